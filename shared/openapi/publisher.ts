/**
 * Who publishes the API descriptions and the connector. Each organisation deploys its own facade, so these are
 * placeholders to set before a connector is submitted for certification (docs/power-automate.md says how); the
 * certification rules only check that they are well formed.
 */
import { license } from '../../package.json';

/** The project's home page. Placeholder: set it to your repository or product page. */
export const PROJECT_URL = 'https://github.com/your-org/referrals-facade';

export const publisher = {
  /** Power Platform shows it as the connector's publisher; the certification template asks for an organisation. */
  name: 'Referrals Facade maintainers',
  /** Owner of the service the connector calls: whoever runs the facade. */
  stackOwner: 'Referrals Facade maintainers',
  url: PROJECT_URL,
  email: 'referrals-facade@example.com',
  privacyPolicyUrl: `${PROJECT_URL}/blob/main/docs/power-automate.md#privacy`,
  /** Power Platform's connector categories, separated by semicolons. */
  categories: 'Sales and CRM;Productivity',
} as const;

export const apiLicense = { name: license, url: 'https://opensource.org/licenses/MIT' } as const;

export const apiContact = { name: publisher.name, url: publisher.url, email: publisher.email } as const;
