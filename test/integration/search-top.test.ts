/**
 * `top` against a list with OData's `$top` semantics: a search never claims `complete` while matches it did not
 * return may exist, and a `top` beyond one page is not cut to one page.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../shared/config';
import { createServices } from '../../shared/app/services';
import { odataQuery } from '../../shared/referral-search/query';
import { testCall } from '../support/call';
import { startODataTopList } from '../support/odata-top-list';

async function searchAgainst(referralCount: number, top: number) {
  const list = await startODataTopList(referralCount);
  const services = createServices(
    loadConfig({ PARTNER_CENTER_BASE_URL: list.url, PARTNER_CENTER_ACCESS_TOKEN: 'test-token-not-secret' }),
  );
  try {
    const result = await services.search.search(testCall(), { status: 'New', top });
    return { result, requests: list.requests };
  } finally {
    await services.close();
    await list.close();
  }
}

describe('top and $top', () => {
  it('top above one page (150 of 160 matches): all 150 are returned, and more are said to exist', async () => {
    const { result, requests } = await searchAgainst(160, 150);
    assert.equal(result.count, 150);
    assert.equal(result.complete, false);
    assert.equal(requests[0]?.get('$top'), null, 'no $top: it would limit the whole result to one page');
  });

  it('top above one page with exactly that many matches: all of them, complete', async () => {
    const { result } = await searchAgainst(150, 150);
    assert.equal(result.count, 150);
    assert.equal(result.complete, true);
  });

  it('top within one page and more matches: not complete, though the service stopped at $top', async () => {
    const { result, requests } = await searchAgainst(30, 25);
    assert.equal(result.count, 25);
    assert.equal(result.complete, false);
    assert.equal(requests.length, 1, 'one request is enough');
  });

  it('top within one page and exactly that many matches: complete', async () => {
    const { result } = await searchAgainst(25, 25);
    assert.equal(result.count, 25);
    assert.equal(result.complete, true);
  });

  it('$top asks for one beyond top while that fits a page, and is left out beyond it', () => {
    const topSent = (top: number) => odataQuery({ status: 'New', top }, { includeUnconfirmed: true })['$top'];
    assert.equal(topSent(1), '2');
    assert.equal(topSent(99), '100');
    assert.equal(topSent(100), undefined);
    assert.equal(topSent(101), undefined);
    assert.equal(topSent(200), undefined);
  });
});
