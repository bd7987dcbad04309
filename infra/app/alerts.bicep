// Alerts for the two ways the facade's Partner Center credentials fail, keyed on what the app and Key Vault
// actually record: the app's operator events (shared/credentials, one JSON line each, which the Functions host
// ships to Application Insights as traces) and the vault's audit log (AuditEvent, in Log Analytics).

@description('Required. Prefix of the alert rule names.')
param namePrefix string

@description('Optional. Region of the alert rules.')
param location string = resourceGroup().location

@description('Optional. Tags of the alert rules.')
param tags object = {}

@description('Required. Resource ID of the Application Insights component the app reports to.')
param applicationInsightsResourceId string

@description('Required. Resource ID of the Log Analytics workspace holding the app\'s traces and the vault\'s audit log.')
param logAnalyticsResourceId string

@description('Required. Name of the Key Vault secret holding the refresh token.')
param refreshTokenSecretName string

@description('Optional. Resource ID of an action group to notify; empty leaves the alerts in the portal only.')
param actionGroupResourceId string = ''

var actions = empty(actionGroupResourceId)
  ? {}
  : {
      actionGroups: [
        actionGroupResourceId
      ]
    }

// Operator events after which callers get 503 until an operator acts (docs/credentials.md, "When something goes
// wrong"): the refresh token or the app registration was refused or has expired, a secret cannot be read, or
// Partner Center refused a token whose sign-in had no MFA.
var credentialFailureEvents = [
  'refresh-token-rejected'
  'app-credentials-rejected'
  'credentials-unreadable'
  'refresh-token-expired'
  'app-credential-expired'
  'credentials-mfa-required'
]

// Logged from 14 days before the refresh token's 90-day limit or the app credential's expiry, at most hourly, after
// a token renewal or a readiness check: time to act before calls start failing.
var credentialExpiringEvents = [
  'refresh-token-expiring'
  'app-credential-expiring'
]

resource credentialsFailing 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-credentials-failing'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Referrals facade: Partner Center credentials refused or unreadable'
    description: 'The facade logged ${join(credentialFailureEvents, ', ')}: calls fail with 503 until the credentials are fixed. The event\'s action field says how (docs/credentials.md).'
    severity: 1
    enabled: true
    scopes: [
      applicationInsightsResourceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'traces | extend event = tostring(parse_json(message).event) | where event in (${join(map(credentialFailureEvents, event => '\'${event}\''), ', ')}) | project timestamp, event, message'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: actions
  }
}

// The refresh token expires 90 days after it was last stored. The app stores each rotated token at least once a
// day while it is in use (REFRESH_TOKEN_WRITE_INTERVAL_MINUTES), so the stored token stays young unless the
// write-back fails. Two signals that it does: the app's refresh-token-store-failed event, and a vault audit log
// in which the app read the token but nobody set it for two days. Either leaves the token ageing towards 90 days.
resource refreshTokenAgeing 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-refresh-token-ageing'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Referrals facade: refresh token not rotated, ageing towards its 90-day limit'
    description: 'The rotated refresh token is not being written back to Key Vault secret ${refreshTokenSecretName}. Grant the write-back (REFRESH_TOKEN_SECRET_EXISTS=true, then azd provision) or run the bootstrap again before the token is 90 days old (docs/credentials.md).'
    severity: 2
    enabled: true
    scopes: [
      logAnalyticsResourceId
    ]
    evaluationFrequency: 'P1D'
    windowSize: 'P2D'
    criteria: {
      allOf: [
        {
          query: join(
            [
              'let audit = AzureDiagnostics | where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == "AuditEvent" and requestUri_s contains "/secrets/${refreshTokenSecretName}";'
              'let read = toscalar(audit | where OperationName == "SecretGet" and httpStatusCode_d == 200 | count);'
              'let stored = toscalar(audit | where OperationName == "SecretSet" and httpStatusCode_d == 200 | count);'
              'AppTraces | extend event = tostring(parse_json(Message).event) | where event == "refresh-token-store-failed" | project TimeGenerated, signal = event'
              '| union (print TimeGenerated = now(), signal = "read but not stored for 2 days" | where read > 0 and stored == 0)'
            ],
            ' '
          )
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: actions
  }
}

resource credentialsExpiring 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-credentials-expiring'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Referrals facade: refresh token or app credential expires within 14 days'
    description: 'The facade logged ${join(credentialExpiringEvents, ', ')}. Renew before the date in the event (docs/credentials.md): calls fail with 503 once it passes.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsightsResourceId
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT2H'
    criteria: {
      allOf: [
        {
          query: 'traces | extend event = tostring(parse_json(message).event) | where event in (${join(map(credentialExpiringEvents, event => '\'${event}\''), ', ')}) | project timestamp, event, message'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: actions
  }
}

@description('Names of the alert rules.')
output names array = [
  credentialsFailing.name
  refreshTokenAgeing.name
  credentialsExpiring.name
]
