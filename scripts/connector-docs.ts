/**
 * The connector's readme.md and intro.md, in the formats Power Platform connector certification asks for:
 * readme.md after the certified-connectors template of microsoft/PowerPlatformConnectors
 * (templates/certified-connectors/readme.md), intro.md after the documentation page certified connectors ship
 * (an introduction, then Prerequisites, How to get credentials, Get started with your connector, Known issues and
 * limitations). The actions are listed from the generated definition, so the documents cannot drift from it.
 */
import { publisher } from '../shared/openapi/publisher';

interface Action {
  readonly summary: string;
  readonly description: string;
}

type Definition = Record<string, unknown>;

/** The connector's actions in the definition's order. */
export function actionsOf(apiDefinition: Definition): Action[] {
  const paths = apiDefinition['paths'] as Record<string, Record<string, Action>>;
  return Object.values(paths).flatMap((methods) => Object.values(methods));
}

const INTRO =
  'Referrals Facade updates Microsoft Partner Center referrals (leads and co-sell opportunities) with plain actions: accept, decline, close as won or lost, add a seller, update deal details, set a status, read one referral and find referrals by your CRM ID. Every field is checked before anything reaches Partner Center, and a refused call says which field to fix.';

const PREREQUISITES = [
  'The Referrals Facade deployed as an Azure Function App in your Azure subscription (see the project’s docs/deploy.md), with its Partner Center credentials stored by the bootstrap (docs/credentials.md).',
  'A Partner Center integration user with the Referrals Admin role, or Referrals User on the referrals it handles.',
  'A Power Automate, Power Apps or Logic Apps plan that allows custom or premium connectors.',
];

const CREDENTIALS =
  'The connection asks for one value, the Function Key. Use the Function App’s host key named default: in the Azure portal open the Function App, then App keys, then Host keys, and copy default. Each action is its own function, so a key of one function (Functions, Function Keys) opens only that one action and the others are refused. Use a separate key per environment so that one can be revoked alone.';

const GETTING_STARTED = [
  'Create a connection with the host key.',
  'Add the action Find referrals, with your CRM ID as External Reference ID, to get the Partner Center referral.',
  'Add Close a referral as won with the Referral ID from the search result and the deal value, currency and closing date from your CRM. An empty field (null) is left as it is; to clear Notes or Status Reason, give an empty text.',
  'To refuse lost updates, give the ETag output of a Get a referral step as the ETag of the update. If someone changed the referral in between, the update fails with status 412: read the referral again and repeat the update with the fresh ETag.',
];

const KNOWN_ISSUES = [
  'A missing or wrong function key is answered by the Azure Functions platform with status 401 and no body, so the run shows no error details; check the connection’s key.',
  'Partner Center allows only forward moves (New, then Active, then Closed); a closed referral cannot be reopened. Its refusal comes back as status 400 with Partner Center’s reason.',
  'The raw JSON Patch endpoint is not offered as an action; use an HTTP action for it.',
  'Find referrals reads at most 10 pages of Partner Center results; Complete is false when more matches may exist.',
];

const COMMON_ERRORS: readonly (readonly [string, string])[] = [
  [
    '400',
    'A field is invalid (the errors list names each one), or Partner Center refused the change (its reason is in upstream).',
  ],
  [
    '401',
    'The function key is wrong (no body), or Partner Center refused the facade’s own credentials: an operator renews them.',
  ],
  ['404', 'No referral with that ID is visible to the facade’s Partner Center user.'],
  ['412', 'The ETag given is out of date: read the referral again for a fresh one.'],
  [
    '429, 502, 503, 504',
    'Partner Center is busy or unavailable: the action’s retry policy sends it again; the simplified actions are safe to repeat.',
  ],
];

const bullets = (items: readonly string[]) => items.map((item) => `- ${item}`).join('\n');

export function renderReadme(apiDefinition: Definition): string {
  const actions = actionsOf(apiDefinition)
    .map((action) => `### ${action.summary}\n\n${action.description}`)
    .join('\n\n');
  return `# Referrals Facade

${INTRO}

## Publisher: ${publisher.name}

## Prerequisites

${bullets(PREREQUISITES)}

## Supported Operations

${actions}

## Obtaining Credentials

${CREDENTIALS}

## Getting Started

${GETTING_STARTED.map((step, index) => `${String(index + 1)}. ${step}`).join('\n')}

## Known Issues and Limitations

${bullets(KNOWN_ISSUES)}

## Frequently Asked Questions

### Is it safe to retry a failed run?

Yes. Closing an already closed referral with the same outcome changes nothing, and adding a team member who is already on the team adds nothing: the Member Outcome output says already-present.

### How do I know whether Add a team member wrote anything?

Read the action's Member Outcome output: added, or already-present.

## Deployment Instructions

Deploy the facade first (docs/deploy.md). Then import \`apiDefinition.swagger.json\` as a custom connector (Power Automate: Custom connectors, New custom connector, Import an OpenAPI file) and set its Host to your Function App, or use the Power Platform CLI with both files:

\`\`\`sh
pac connector create --api-definition-file apiDefinition.swagger.json --api-properties-file apiProperties.json --icon-file icon.png
\`\`\`

The full guide, with an example flow for each action, is docs/power-automate.md.
`;
}

export function renderIntro(): string {
  return `${INTRO}

## Prerequisites

${bullets(PREREQUISITES)}

## How to get credentials

${CREDENTIALS}

## Get started with your connector

${GETTING_STARTED.map((step, index) => `${String(index + 1)}. ${step}`).join('\n')}

## Known issues and limitations

${bullets(KNOWN_ISSUES)}

## Common errors and remedies

| Status | What to do |
| --- | --- |
${COMMON_ERRORS.map(([status, remedy]) => `| ${status} | ${remedy} |`).join('\n')}
`;
}
