import { RemovalPolicy } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

export interface OriginSecretProps {
  readonly stage: string;
}

/**
 * What CloudFront sends the API on every /api/* request (ORIGIN_HEADER), so that the
 * collector believes the CloudFront-Viewer-* headers of requests that came through the
 * distribution only: a request sent to the API Gateway URL directly could set them to
 * anything. Generated at deploy time; the functions read it by ARN.
 */
export class OriginSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: OriginSecretProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: `LiveInsight ${props.stage}: the header value CloudFront sends the API, which vouches for its viewer headers`,
      // Header-safe: letters and digits only.
      generateSecretString: { passwordLength: 40, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      'CloudFront receives the value once per deploy, in the distribution\'s origin configuration; a scheduled rotation would change what the functions compare without changing what CloudFront sends, and the collector would stop believing the viewer headers. It guards the visitor address and country only, no data or keys.',
    );
  }
}
