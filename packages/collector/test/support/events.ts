import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** An API Gateway (REST, v1) proxy event, as API Gateway would send it. */
export function apiEvent(
  overrides: Partial<Omit<APIGatewayProxyEvent, 'body'>> & { body?: unknown } = {},
): APIGatewayProxyEvent {
  const { body, ...rest } = overrides;
  return {
    httpMethod: 'GET',
    path: '/',
    resource: '/',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    isBase64Encoded: false,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    requestContext: {
      identity: { sourceIp: '203.0.113.7', userAgent: null },
      requestTimeEpoch: Date.now(),
      stage: 'dev',
    } as APIGatewayProxyEvent['requestContext'],
    ...rest,
  };
}

export function parse(result: APIGatewayProxyResult): { status: string; data?: any; message?: string } {
  return JSON.parse(result.body);
}
