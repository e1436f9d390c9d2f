import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, it } from 'vitest';
import { LiveInsightStack } from '../lib/liveinsight-stack.js';

describe('tables', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(new LiveInsightStack(new App(), 'Test', { stage: 'dev' }));
  });

  it('keeps raw events for 24 h through a TTL on the events table', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'session_id', KeyType: 'HASH' },
        { AttributeName: 'timestamp', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('indexes active sessions on the sharded ActivityIndex', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'ActivityIndex',
          KeySchema: [
            { AttributeName: 'is_active', KeyType: 'HASH' },
            { AttributeName: 'last_activity', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
  });
});
