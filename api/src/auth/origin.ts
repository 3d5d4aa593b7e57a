/**
 * Origin allowlist for cookie-authenticated traffic (REST writes and the socket), so another
 * site cannot ride a user's session. No Origin header means no browser, hence no victim's cookie.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.length > 0) return allowed.includes(origin);
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
