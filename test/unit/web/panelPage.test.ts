import { contentSecurityPolicy, servePanelAsset } from '../../../src/web/panelPage';

describe('panel page route', () => {
  it('serves the page for the bare route, and its script and style by name, each with its type', () => {
    const page = servePanelAsset(undefined);
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8' });
    expect(page.body).toContain('<script src="panel/panel.js" defer></script>');
    expect(servePanelAsset('panel.js').headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
    });
    expect(servePanelAsset('panel.css').headers).toMatchObject({ 'content-type': 'text/css; charset=utf-8' });
  });

  it('sends a policy that allows only this origin on every answer, and no inline code in the page', () => {
    for (const asset of [undefined, 'panel.js', 'nope.txt']) {
      expect(servePanelAsset(asset).headers).toMatchObject({
        'content-security-policy': contentSecurityPolicy,
        'x-content-type-options': 'nosniff',
      });
    }
    expect(contentSecurityPolicy).toMatch(/default-src 'none'/);
    expect(contentSecurityPolicy).not.toMatch(/unsafe|https?:|\*/);
    const html = servePanelAsset(undefined).body as string;
    expect(html).not.toMatch(/<script>|<style>| style=| on[a-z]+=|https?:\/\//);
  });

  it('answers 404 in words for any other name, never a file outside the page', () => {
    for (const asset of ['../../package.json', 'index.ts', '.env']) {
      const answer = servePanelAsset(asset);
      expect(answer.status).toBe(404);
      expect(answer.jsonBody).toEqual({
        error: { code: 'not_found', message: expect.stringContaining('/api/panel') },
      });
    }
  });
});
