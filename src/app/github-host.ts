// Where kreview fetches a repository from: the configured GitHub (GHE_HOST/GHE_PROTOCOL, as probot
// reads them, or github.com) and a validated owner/repo, never a URL from a webhook payload. The
// installation token goes in an Authorization header scoped to that host, never in the URL, so
// git's own url.<base>.insteadOf (KREVIEW_GIT_CONFIG) can still point the URL elsewhere.
import { KreviewError } from '../core/types.js';

/** The web URL of the GitHub kreview serves: `https://github.com`, or GitHub Enterprise's. */
export function githubWebUrl(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.GHE_HOST;
  if (!host) return 'https://github.com';
  const protocol = env.GHE_PROTOCOL || 'https';
  if (protocol !== 'https' && protocol !== 'http') throw new KreviewError(`GHE_PROTOCOL=${protocol}: expected https or http`);
  if (!/^[A-Za-z0-9.-]+(?::\d{1,5})?$/.test(host)) throw new KreviewError(`GHE_HOST=${JSON.stringify(host)}: expected a host name, optionally with :port`);
  return `${protocol}://${host}`;
}

/** The web URL that goes with an API base: api.github.com is github.com, GHE's `/api/v3` is its host. */
export function webUrlOfApi(apiBase: string): string {
  const u = new URL(apiBase);
  if (u.hostname === 'api.github.com') return 'https://github.com';
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/$/, '')}`;
}

/** `<web>/<owner>/<repo>.git`, from names the payload check has already validated. */
export function repoCloneUrl(webUrl: string, owner: string, repo: string): string {
  return `${webUrl.replace(/\/$/, '')}/${owner}/${repo}.git`;
}

/**
 * Config for the one fetch that uses the token: an Authorization header sent only to URLs under
 * the GitHub host (http.<url>.extraHeader), passed in git's environment, never in argv or a URL.
 */
export function tokenConfig(webUrl: string, token: string | null): Record<string, string> {
  if (!token) return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return { [`http.${webUrl.replace(/\/$/, '')}/.extraHeader`]: `Authorization: Basic ${basic}` };
}
