/**
 * The Power Platform connector certification rules and string guidance that can be checked as data, each encoded
 * once, with where it comes from. Sources:
 *   [submission]  learn.microsoft.com/connectors/custom-connectors/certification-submission
 *   [strings]     learn.microsoft.com/connectors/custom-connectors/connector-string-guidance
 *   [template]    microsoft/PowerPlatformConnectors, templates/certified-connectors/ (apiDefinition.swagger.json,
 *                 apiProperties.json, readme.md)
 *   [files]       microsoft/PowerPlatformConnectors, README.md, "Files to Include"
 *   [pr-template] microsoft/PowerPlatformConnectors, .github/pull_request_template.md
 *   [reviews]     certification reviews in microsoft/PowerPlatformConnectors: pull requests 567 and 1425 (no
 *                 `default` responses), 1316 (no empty response schemas), 3473 (icon 230×230, background neither
 *                 white nor transparent)
 *   [intro]       the documentation page certified connectors ship as intro.md (for example OS Places): an
 *                 introduction, then Prerequisites, How to get credentials, Get started with your connector, Known
 *                 issues and limitations
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CONNECTOR_DIR } from '../../scripts/generate-connector';
import { decodePng, parseHexColor } from '../../scripts/connector-icon';

type Json = Record<string, unknown>;
interface Operation extends Json {
  operationId: string;
  summary: string;
  description: string;
  parameters: Json[];
  responses: Record<string, Json>;
}

const read = (name: string) => readFileSync(join(CONNECTOR_DIR, name));
// The committed files, which the drift test (connector.test.ts) proves are what the generator writes.
const definition = JSON.parse(read('apiDefinition.swagger.json').toString('utf8')) as {
  info: { title: string; description: string; contact?: Json };
  schemes: string[];
  paths: Record<string, Record<string, Operation>>;
  definitions: Record<string, Json>;
  'x-ms-connector-metadata'?: { propertyName: string; propertyValue: string }[];
};
const properties = (JSON.parse(read('apiProperties.json').toString('utf8')) as { properties: Json })
  .properties;
const readme = read('readme.md').toString('utf8');
const intro = read('intro.md').toString('utf8');
const operations = Object.values(definition.paths).flatMap((methods) => Object.values(methods));
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const productNames =
  /\b(API|Connector|Copilot Studio|Power Apps|Power Automate|Power Platform|Logic Apps)\b/i;

/** Every schema node of the definitions with a readable location, `$ref`s not followed. */
function* schemaNodes(node: Json, where: string): Generator<{ node: Json; where: string }> {
  yield { node, where };
  for (const [name, child] of Object.entries((node['properties'] ?? {}) as Record<string, Json>)) {
    yield* schemaNodes(child, `${where}.${name}`);
  }
  if (typeof node['items'] === 'object') yield* schemaNodes(node['items'] as Json, `${where}[]`);
}

/** Every label a maker sees beside a field: parameter and property display names, and response headers. */
function labels(): { label: string; where: string }[] {
  const found: { label: string; where: string }[] = [];
  for (const operation of operations) {
    for (const parameter of operation.parameters) {
      found.push({
        label: text(parameter['x-ms-summary']),
        where: `${operation.operationId}.${text(parameter['name'])}`,
      });
    }
    for (const [status, response] of Object.entries(operation.responses)) {
      for (const [name, header] of Object.entries((response['headers'] ?? {}) as Record<string, Json>)) {
        found.push({
          label: text(header['x-ms-summary']),
          where: `${operation.operationId} ${status} ${name}`,
        });
      }
    }
  }
  for (const [name, schema] of Object.entries(definition.definitions)) {
    for (const { node, where } of schemaNodes(schema, name)) {
      if (where !== name) found.push({ label: text(node['x-ms-summary']), where });
    }
  }
  return found;
}

const minorWords = new Set([
  'a',
  'an',
  'and',
  'as',
  'at',
  'but',
  'by',
  'for',
  'in',
  'nor',
  'of',
  'on',
  'or',
  'the',
  'to',
  'with',
]);

/** Title Case: every word capitalised but short words inside the label; "ID", never "Id" or "id". */
function titleCaseProblem(label: string): string | undefined {
  const words = label.split(' ');
  for (const [index, word] of words.entries()) {
    if (/^id$/i.test(word) && word !== 'ID') return `"${word}" must be written ID`;
    if (index > 0 && minorWords.has(word)) continue;
    if (!/^[A-Z0-9]/.test(word)) return `"${word}" must start with a capital`;
  }
  return undefined;
}

describe('[files] the connector folder holds what a submission needs', () => {
  it('apiDefinition.swagger.json, apiProperties.json, readme.md, intro.md and an icon', () => {
    for (const name of [
      'apiDefinition.swagger.json',
      'apiProperties.json',
      'readme.md',
      'intro.md',
      'icon.png',
    ]) {
      assert.ok(read(name).length > 0, name);
    }
  });
});

describe('[submission] [strings] the connector title', () => {
  it('exists, is at most 30 characters and ends with a letter or digit', () => {
    assert.ok(definition.info.title.length > 0 && definition.info.title.length <= 30);
    assert.match(definition.info.title, /[A-Za-z0-9]$/);
  });

  it('names no API, Connector, Copilot Studio or other Power Platform product', () => {
    assert.doesNotMatch(definition.info.title, productNames);
  });
});

describe('[template] [strings] the connector description', () => {
  it('is 30 to 500 characters and names no API or Power Platform product', () => {
    const { description } = definition.info;
    assert.ok(
      description.length >= 30 && description.length <= 500,
      `${String(description.length)} characters`,
    );
    assert.doesNotMatch(description, productNames);
  });
});

describe('[template] who publishes the connector', () => {
  it('info.contact has a name, an https URL and an email address', () => {
    const contact = definition.info.contact ?? {};
    assert.ok(text(contact['name']).length > 0);
    assert.match(text(contact['url']), /^https:\/\/\S+$/);
    assert.match(text(contact['email']), /^[^@\s]+@[^@\s]+\.[^@\s]+$/);
  });

  it('x-ms-connector-metadata gives the Website, Privacy policy and Categories', () => {
    const metadata = Object.fromEntries(
      (definition['x-ms-connector-metadata'] ?? []).map((entry) => [entry.propertyName, entry.propertyValue]),
    );
    assert.deepEqual(Object.keys(metadata).sort(), ['Categories', 'Privacy policy', 'Website']);
    assert.match(metadata['Website'] ?? '', /^https:\/\//);
    assert.match(metadata['Privacy policy'] ?? '', /^https:\/\//);
    assert.ok((metadata['Categories'] ?? '').split(';').every((category) => category.trim().length > 0));
  });

  it('apiProperties.json names the publisher and the stack owner', () => {
    assert.ok(text(properties['publisher']).length > 0);
    assert.ok(text(properties['stackOwner']).length > 0);
  });
});

describe('[pr-template] [reviews] brand colour and icon', () => {
  const color = text(properties['iconBrandColor']);

  it('the brand colour is a #rrggbb colour other than the refused #007ee5 and #ffffff', () => {
    assert.match(color, /^#[0-9a-f]{6}$/i);
    assert.ok(!['#007ee5', '#ffffff'].includes(color.toLowerCase()));
  });

  it('icon.png is a 230×230 PNG without transparency, on the brand colour, with a drawn glyph', () => {
    const png = decodePng(read('icon.png'));
    assert.equal(png.width, 230);
    assert.equal(png.height, 230);
    // Colour type 2 is RGB without alpha: no pixel can be transparent.
    assert.equal(png.colorType, 2);
    assert.ok(png.pixels);
    const brand = [...parseHexColor(color)];
    for (const [x, y] of [
      [0, 0],
      [229, 0],
      [0, 229],
      [229, 229],
    ] as const) {
      const at = (y * 230 + x) * 3;
      assert.deepEqual([...png.pixels.subarray(at, at + 3)], brand, `pixel ${String(x)},${String(y)}`);
    }
    const centre = (115 * 230 + 115) * 3;
    const distinct = new Set<string>();
    for (let offset = 0; offset < png.pixels.length; offset += 3) {
      distinct.add(png.pixels.subarray(offset, offset + 3).toString('hex'));
    }
    assert.ok(distinct.size > 2, 'more than a plain square');
    assert.ok(png.pixels.subarray(centre, centre + 3).length === 3);
  });
});

describe('[reviews] [pr-template] responses', () => {
  it('no action uses a `default` response: every status is given by number', () => {
    for (const operation of operations) {
      for (const status of Object.keys(operation.responses)) {
        assert.match(status, /^[1-5]\d\d$/, `${operation.operationId} ${status}`);
      }
    }
  });

  it('every action has a success response, and every response with a body has a non-empty schema', () => {
    for (const operation of operations) {
      assert.ok(
        Object.keys(operation.responses).some((status) => status.startsWith('2')),
        operation.operationId,
      );
      for (const [status, response] of Object.entries(operation.responses)) {
        const schema = response['schema'] as Json | undefined;
        if (schema !== undefined) {
          assert.ok(Object.keys(schema).length > 0, `${operation.operationId} ${status} has an empty schema`);
        }
        assert.ok(
          text(response['description']).length > 0,
          `${operation.operationId} ${status} is described`,
        );
      }
    }
  });
});

describe('[strings] operations', () => {
  it('operationIds are unique, without spaces or punctuation', () => {
    const ids = operations.map((operation) => operation.operationId);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[A-Z][A-Za-z0-9]+$/);
  });

  it('summaries: sentence case, at most 80 characters, no slash, ending with a letter or digit', () => {
    for (const { summary } of operations) {
      assert.ok(summary.length > 0 && summary.length <= 80, summary);
      assert.doesNotMatch(summary, /\//);
      assert.match(summary, /^[A-Z]/);
      assert.match(summary, /[A-Za-z0-9]$/, `"${summary}" must not end with punctuation or a space`);
      for (const word of summary.split(' ').slice(1)) {
        assert.ok(word === word.toLowerCase() || word === 'ID', `"${summary}" is in sentence case`);
      }
    }
  });

  it('descriptions: full sentences ending with punctuation, saying more than the summary', () => {
    for (const { summary, description, operationId } of operations) {
      assert.match(description, /^[A-Z].*[.!?]$/, operationId);
      assert.notEqual(description.toLowerCase(), summary.toLowerCase());
    }
  });
});

describe('[strings] fields', () => {
  it('every parameter is titled and described; descriptions are sentences; path parameters are required', () => {
    for (const operation of operations) {
      for (const parameter of operation.parameters) {
        const where = `${operation.operationId}.${text(parameter['name'])}`;
        assert.ok(text(parameter['x-ms-summary']).length > 0, `${where} has x-ms-summary`);
        assert.match(text(parameter['description']), /^[A-Z].*[.!?)]$/, `${where} description`);
        if (parameter['in'] === 'path') {
          assert.equal(parameter['required'], true, where);
          assert.equal(parameter['x-ms-url-encoding'], 'single', where);
        }
        if (parameter['x-ms-visibility'] !== undefined) {
          assert.ok(['important', 'advanced', 'internal'].includes(text(parameter['x-ms-visibility'])));
        }
      }
    }
  });

  it('every property of every definition is typed, titled and described, and no object is empty', () => {
    for (const [name, schema] of Object.entries(definition.definitions)) {
      for (const { node, where } of schemaNodes(schema, name)) {
        assert.ok(
          typeof node['type'] === 'string' || typeof node['$ref'] === 'string',
          `${where} has a type`,
        );
        if (node['type'] === 'object') {
          assert.ok(Object.keys(node['properties'] ?? {}).length > 0, `${where} has properties`);
        }
        if (where !== name) {
          assert.ok(text(node['x-ms-summary']).length > 0, `${where} has x-ms-summary`);
          assert.ok(text(node['description']).length > 0, `${where} has a description`);
        }
      }
    }
  });

  it('every label is in Title Case and writes ID in capitals', () => {
    const found = labels();
    assert.ok(found.length > 100, `${String(found.length)} labels checked`);
    const problems = found.flatMap(({ label, where }) => {
      const problem = titleCaseProblem(label);
      return problem ? [`${where} "${label}": ${problem}`] : [];
    });
    assert.deepEqual(problems, []);
  });
});

describe('[strings] ID in capitals', () => {
  it('every description writes ID, never "id", for an identifier', () => {
    const descriptions = [
      ...operations.flatMap((operation) => [
        operation.description,
        ...operation.parameters.map((parameter) => text(parameter['description'])),
      ]),
      ...Object.entries(definition.definitions).flatMap(([name, schema]) =>
        [...schemaNodes(schema, name)].map(({ node }) => text(node['description'])),
      ),
    ];
    assert.ok(descriptions.length > 100);
    assert.deepEqual(
      descriptions.filter((description) => /\b[Ii]d\b/.test(description)),
      [],
    );
  });
});

describe('maker-facing words (issue 15: makers see no HTTP jargon)', () => {
  const jargon =
    /return=|\bPrefer\b|If-Match|\bheaders?\b|\bHTTP\b|\bRFC\b|\b(answers?|status) \d{3}\b|problem\+json|JSON Patch/i;

  it('the check knows jargon when it sees it (the Prefer field’s former description)', () => {
    assert.match(
      'return=representation answers 200 with the updated referral; return=minimal answers 204 with no body.',
      jargon,
    );
  });

  it('action names, descriptions, field labels, field descriptions and choices speak of the referral, not of HTTP', () => {
    for (const operation of operations) {
      assert.doesNotMatch(`${operation.summary} ${operation.description}`, jargon, operation.operationId);
      for (const parameter of operation.parameters) {
        const choices = ((parameter['x-ms-enum-values'] ?? []) as { displayName: string }[])
          .map((choice) => choice.displayName)
          .join(' ');
        assert.doesNotMatch(
          `${text(parameter['x-ms-summary'])} ${text(parameter['description'])} ${choices}`,
          jargon,
          `${operation.operationId}.${text(parameter['name'])}`,
        );
      }
    }
  });
});

describe('[template] readme.md', () => {
  const headings = readme.split('\n').filter((line) => line.startsWith('#'));

  it('has a title and paragraph, then the required sections in order', () => {
    assert.match(readme, /^# .+\n\n[A-Z][^\n]+\n/);
    const required = [
      /^## Publisher: \S/,
      /^## Prerequisites$/,
      /^## Supported Operations$/,
      /^## Obtaining Credentials$/,
      /^## Known Issues and Limitations$/,
      /^## Deployment Instructions$/,
    ];
    let from = 0;
    for (const pattern of required) {
      const at = headings.findIndex((heading, index) => index >= from && pattern.test(heading));
      assert.ok(at >= 0, `${String(pattern)} after the sections before it`);
      from = at + 1;
    }
  });

  it('describes every action under Supported Operations', () => {
    for (const operation of operations) {
      assert.ok(headings.includes(`### ${operation.summary}`), operation.summary);
      assert.ok(readme.includes(operation.description), operation.operationId);
    }
  });
});

describe('[intro] intro.md', () => {
  it('starts with an introduction, then the documentation sections in order', () => {
    assert.match(intro, /^[A-Z][^\n#]+\n/);
    const headings = intro.split('\n').filter((line) => line.startsWith('## '));
    assert.deepEqual(headings.slice(0, 4), [
      '## Prerequisites',
      '## How to get credentials',
      '## Get started with your connector',
      '## Known issues and limitations',
    ]);
  });

  it('tells makers the bare 401 of a wrong key, and to use the host key', () => {
    assert.match(intro, /401 and no body/);
    assert.match(intro, /host key named default/);
  });
});

describe('[triggers] webhook triggers, as custom connectors declare them', () => {
  const triggers = operations.filter((operation) => operation['x-ms-trigger'] !== undefined);
  const pathOf = (wanted: Operation) =>
    Object.entries(definition.paths).find(([, methods]) => Object.values(methods).includes(wanted))?.[0];

  it('there are triggers, each a single-item webhook trigger with a hint', () => {
    assert.ok(triggers.length > 0);
    for (const trigger of triggers) {
      assert.equal(trigger['x-ms-trigger'], 'single', trigger.operationId);
      assert.ok(text(trigger['x-ms-trigger-hint']).length > 0, trigger.operationId);
    }
  });

  it('the body has exactly one notification URL, internal and required, filled in by the platform', () => {
    for (const trigger of triggers) {
      const body = trigger.parameters.find((parameter) => parameter['in'] === 'body');
      const ref = text((body?.['schema'] as Json | undefined)?.['$ref']).replace('#/definitions/', '');
      const schema = definition.definitions[ref] ?? {};
      const properties = (schema['properties'] ?? {}) as Record<string, Json>;
      const urls = Object.entries(properties).filter(([, node]) => node['x-ms-notification-url'] === true);
      assert.equal(urls.length, 1, trigger.operationId);
      const [name, node] = urls[0] ?? ['', {}];
      assert.equal(node['x-ms-visibility'], 'internal', trigger.operationId);
      assert.ok((schema['required'] as string[] | undefined)?.includes(name), trigger.operationId);
    }
  });

  it('the notification content is a described schema, so its fields become the trigger outputs', () => {
    for (const trigger of triggers) {
      const content = trigger['x-ms-notification-content'] as Json | undefined;
      assert.ok(text(content?.['description']).length > 0, trigger.operationId);
      const ref = text((content?.['schema'] as Json | undefined)?.['$ref']).replace('#/definitions/', '');
      assert.ok(hasProperties(definition.definitions[ref]), `${trigger.operationId} notifies ${ref}`);
    }
  });

  it('subscribing answers 201 with Location, and that path can be deleted, internally, to unsubscribe', () => {
    for (const trigger of triggers) {
      const created = trigger.responses['201'];
      assert.ok(created, trigger.operationId);
      assert.ok(((created['headers'] ?? {}) as Json)['Location'], trigger.operationId);
      assert.ok(pathOf(trigger));
    }
    const deletes = Object.entries(definition.paths).flatMap(([path, methods]) =>
      methods['delete'] ? [{ path, operation: methods['delete'] }] : [],
    );
    assert.equal(deletes.length, 1);
    const [unsubscribe] = deletes;
    assert.match(unsubscribe?.path ?? '', /^\/events\/subscriptions\/\{\w+\}$/);
    assert.equal(unsubscribe?.operation['x-ms-visibility'], 'internal');
  });
});

function hasProperties(schema: Json | undefined): boolean {
  return Object.keys(schema?.['properties'] ?? {}).length > 0;
}
