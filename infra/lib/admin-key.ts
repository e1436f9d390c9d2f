import { RemovalPolicy } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

export interface AdminKeyProps {
  readonly stage: string;
  /** A new revision generates a new key; the old secret is deleted. */
  readonly revision: number;
}

/**
 * The bootstrap admin key: one value generated into Secrets Manager at deploy time, with
 * which the operator mints the scoped keys (`npm run keys -- create`) that the dashboard
 * and API clients use. The API functions are given the secret's ARN, not the value, and
 * read it themselves, so no function configuration, template or cloud assembly holds it.
 */
export class AdminKey extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: AdminKeyProps) {
    super(scope, id);
    // The revision is part of the construct id: a new id is a new secret, hence a new
    // generated value, and the functions' ARN follows in the same update.
    this.secret = new Secret(this, `Revision${props.revision}`, {
      description: `LiveInsight ${props.stage}: the bootstrap admin key, to mint and revoke scoped API keys`,
      generateSecretString: { passwordLength: 40, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      'The operator holds this key to mint and revoke the scoped keys; a scheduled rotation would change it behind their back. Rotation is a deliberate deploy (`-c apiKeyRevision=N`), and the keys clients hold are revoked through DELETE /api/keys/{name}.',
    );
  }
}
