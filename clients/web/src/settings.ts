// What the app reads from its own address. The same build runs in two places:
//   https://keys.example/app/                          served by the key server: that server, same origin, no CORS
//   https://app.example/?server=https://keys.example/  served elsewhere: the key server lists this page's origin in
//                                                      Symbolon:Cors:AllowedOrigins (docs/operations.md)
// and two demo settings: ?idle=SECONDS (the idle lock, default 600) and ?reveal=SECONDS (how long a revealed
// password stays on screen, default 10).

/** The path the key server serves the app at (Symbolon:WebApp:Path). */
export const KeyServerAppPath = '/app/';

export const DefaultIdleSeconds = 600;
export const DefaultRevealSeconds = 10;

export interface AppSettings {
  /**
   * The key server named by ?server=, or undefined. Only a suggestion for a browser that has none yet: anyone can
   * send a link, so it never overrides the page's own key server or the one this browser last logged in to.
   */
  readonly serverParameter: string | undefined;
  /** The page's own origin when the key server serves it at /app/, or undefined. */
  readonly sameOriginServer: string | undefined;
  readonly idleSeconds: number;
  readonly revealSeconds: number;
}

/**
 * The key server to log in to: the one this browser last logged in to, else the page's own (served by it at /app/),
 * else the one ?server= names. A crafted link must not lead the login (the account password) elsewhere.
 */
export function chooseServer(settings: AppSettings, stored: string | undefined): string | undefined {
  return stored ?? settings.sameOriginServer ?? settings.serverParameter;
}

export function readSettings(location: Pick<Location, 'search' | 'pathname' | 'origin'>): AppSettings {
  const parameters = new URLSearchParams(location.search);
  const server = parameters.get('server')?.trim();
  return {
    serverParameter: server === undefined || server === '' ? undefined : server,
    sameOriginServer: location.pathname.startsWith(KeyServerAppPath) ? `${location.origin}/` : undefined,
    idleSeconds: seconds(parameters.get('idle'), DefaultIdleSeconds, 2, 86_400),
    revealSeconds: seconds(parameters.get('reveal'), DefaultRevealSeconds, 1, 300),
  };
}

/** A whole number of seconds within [min, max], or the default when absent or not a number. */
function seconds(text: string | null, fallback: number, min: number, max: number): number {
  if (text === null || !/^\d{1,6}$/.test(text)) {
    return fallback;
  }
  return Math.min(max, Math.max(min, Number(text)));
}
