import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

const SPEC_PATH = fileURLToPath(new URL('../../../../docs/openapi.yaml', import.meta.url));
const SPEC_ID = 'https://liveinsight.invalid/openapi.json';

type AjvClass = typeof Ajv2020Module.default;
const Ajv2020 = ((Ajv2020Module as unknown as { default?: AjvClass }).default ?? Ajv2020Module) as AjvClass;
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: InstanceType<AjvClass>,
) => void;

export const spec = parseYaml(readFileSync(SPEC_PATH, 'utf8')) as {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> }>>;
  components: { responses: Record<string, { content?: Record<string, unknown> }> };
};

// The document is not itself a JSON Schema; strict mode would refuse its OpenAPI keywords.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec as object, SPEC_ID);

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** Validates a real response body against the schema docs/openapi.yaml gives for (path, method, status). */
export function openApiErrors(concretePath: string, method: string, status: number, body: unknown): string[] {
  // `/api/sites/a.test/settings` is documented as `/api/sites/{site}/settings`.
  const path =
    Object.keys(spec.paths).find((template) => new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(concretePath)) ?? concretePath;
  const operation = spec.paths[path]?.[method.toLowerCase()];
  if (!operation) return [`${method} ${path} is not in docs/openapi.yaml`];
  const response = operation.responses[String(status)];
  if (!response) return [`${method} ${path} has no ${status} response in docs/openapi.yaml`];
  const pointer = response.$ref
    ? `${response.$ref}/content/application~1json/schema`
    : `#/paths/${escape(path)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
  const validate = ajv.compile({ $ref: `${SPEC_ID}${pointer}` });
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Validates a body against one of the document's shared responses (NotFound, MethodNotAllowed, …). */
export function openApiResponseErrors(name: string, body: unknown): string[] {
  if (!spec.components.responses[name]) return [`no response ${name} in docs/openapi.yaml`];
  const validate = ajv.compile({ $ref: `${SPEC_ID}#/components/responses/${name}/content/application~1json/schema` });
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
