/**
 * What a Flex Consumption app refuses or ignores, as data, each rule with its source. The function app in infra/
 * must set none of these (test/infra/flex-consumption.test.ts checks the compiled template against this table).
 */

export interface FlexRule {
  /** A `siteConfig` property or an app setting name. */
  readonly name: string;
  readonly where: 'siteConfig' | 'appSettings';
  /** refused: ARM rejects the deployment; deprecated: Microsoft lists it as not to be used (ignored, moved or set by the platform). */
  readonly effect: 'refused' | 'deprecated';
  readonly why: string;
  readonly source: string;
}

const armError =
  'ARM 400 on a Flex Consumption site: "The following list of 4 site configuration properties (Site.SiteConfig.FtpsState, Site.SiteConfig.Use32BitWorkerProcess, Site.SiteConfig.NetFrameworkVersion, Site.SiteConfig.FunctionsRuntimeScaleMonitoringEnabled) for Flex Consumption sites is invalid", reported in microsoft/azure-pipelines-tasks#21032';
// The Flex Consumption plan article's "Deprecated properties and settings" sends readers to this table, which
// lists the app settings and site configuration properties not to use on Flex Consumption.
const deprecations =
  'Microsoft Learn, "App settings reference for Azure Functions", section "Flex Consumption plan deprecations" (learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations), linked from "Azure Functions Flex Consumption plan hosting", "Deprecated properties and settings"';

export const flexConsumptionRules: readonly FlexRule[] = [
  {
    name: 'ftpsState',
    where: 'siteConfig',
    effect: 'refused',
    why: 'FTP(S) deployment is not supported on Flex Consumption; turn FTP off with basicPublishingCredentialsPolicies instead.',
    source: `${armError}; ${deprecations}`,
  },
  {
    name: 'use32BitWorkerProcess',
    where: 'siteConfig',
    effect: 'refused',
    why: 'Flex Consumption runs 64-bit Linux workers only.',
    source: armError,
  },
  {
    name: 'netFrameworkVersion',
    where: 'siteConfig',
    effect: 'refused',
    why: 'The runtime and its version are set in functionAppConfig.runtime.',
    source: armError,
  },
  {
    name: 'functionsRuntimeScaleMonitoringEnabled',
    where: 'siteConfig',
    effect: 'refused',
    why: 'Flex Consumption scales by itself (functionAppConfig.scaleAndConcurrency); runtime scale monitoring is a Premium feature.',
    source: armError,
  },
  {
    name: 'alwaysOn',
    where: 'siteConfig',
    effect: 'deprecated',
    why: 'Flex Consumption keeps instances warm with always-ready instances in scaleAndConcurrency, not Always On.',
    source: deprecations,
  },
  {
    name: 'linuxFxVersion',
    where: 'siteConfig',
    effect: 'deprecated',
    why: 'The language stack is functionAppConfig.runtime.name and .version; linuxFxVersion is not used.',
    source: deprecations,
  },
  {
    name: 'FUNCTIONS_WORKER_RUNTIME',
    where: 'appSettings',
    effect: 'deprecated',
    why: 'Replaced by functionAppConfig.runtime.name.',
    source: deprecations,
  },
  {
    name: 'FUNCTIONS_EXTENSION_VERSION',
    where: 'appSettings',
    effect: 'deprecated',
    why: 'The platform sets the host version; a value in the template is overwritten.',
    source: deprecations,
  },
  {
    name: 'WEBSITE_NODE_DEFAULT_VERSION',
    where: 'appSettings',
    effect: 'deprecated',
    why: 'Replaced by functionAppConfig.runtime.version.',
    source: deprecations,
  },
  {
    name: 'WEBSITE_RUN_FROM_PACKAGE',
    where: 'appSettings',
    effect: 'deprecated',
    why: 'The package comes from functionAppConfig.deployment.storage (a blob container), deployed through one deploy.',
    source: deprecations,
  },
  {
    name: 'WEBSITE_CONTENTSHARE',
    where: 'appSettings',
    effect: 'deprecated',
    why: 'Flex Consumption has no Azure Files content share to name.',
    source: deprecations,
  },
  {
    name: 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
    where: 'appSettings',
    effect: 'deprecated',
    why: 'Flex Consumption has no Azure Files content share.',
    source: deprecations,
  },
  {
    name: 'SCALE_CONTROLLER_LOGGING_ENABLED',
    where: 'appSettings',
    effect: 'deprecated',
    why: 'Scale controller logs are not available on Flex Consumption.',
    source: deprecations,
  },
];
