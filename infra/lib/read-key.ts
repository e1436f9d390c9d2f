import { RemovalPolicy } from 'aws-cdk-lib';
import { ApiKey } from 'aws-cdk-lib/aws-apigateway';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

export interface ReadKeyProps {
  readonly stage: string;
  /** A new revision generates a new key; the old secret is deleted. */
  readonly revision: number;
}

/**
 * The read key (X-API-Key): one value generated into Secrets Manager at deploy time and
 * given both to API Gateway, which enforces it on the read routes through the usage
 * plan, and to the functions, which compare it themselves (reads, and the trusted
 * backfill of POST /api/events, which API Gateway does not check). The value never
 * appears in the template or the cloud assembly: both places hold a
 * `{{resolve:secretsmanager:...}}` reference that CloudFormation resolves.
 */
export class ReadKey extends Construct {
  readonly secret: Secret;
  readonly apiKey: ApiKey;
  /** The key as a CloudFormation dynamic reference, for a function's environment. */
  readonly value: string;

  constructor(scope: Construct, id: string, props: ReadKeyProps) {
    super(scope, id);
    // The revision is part of the construct id: a new id is a new secret, hence a new
    // generated value, and the ApiKey and functions that reference it follow.
    this.secret = new Secret(this, `Revision${props.revision}`, {
      description: `LiveInsight ${props.stage}: the read key (X-API-Key) for the dashboard and backfills`,
      generateSecretString: { passwordLength: 40, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.value = this.secret.secretValue.unsafeUnwrap();
    this.apiKey = new ApiKey(this, 'ApiKey', {
      description: `LiveInsight ${props.stage} read key, revision ${props.revision}`,
      value: this.value,
      enabled: true,
    });
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      'API Gateway and the functions receive the key at deploy time, so a rotation Lambda would leave them on the old value. Rotation is a deploy: `-c apiKeyRevision=N` generates a new key and hands it to both in one update.',
    );
  }
}
