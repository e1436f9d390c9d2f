/**
 * Stands in for @aws-sdk/credential-provider-node in the Lambda bundles (LAMBDA_BUNDLE_OPTIONS'
 * alias). Lambda gives a function its role's credentials in the environment and nowhere
 * else, so the default chain's other links (SSO, ini files, processes, web identity, the
 * instance metadata service, and the STS and SSO clients they bring) are ~100 KiB of
 * code a cold start loads for nothing. Outside the bundles the SDK's own chain runs.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
