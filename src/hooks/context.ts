// What every user-scoped hook needs: settings, the connection state, a Trakt client.
import type { HostApi } from '../host/api.js';
import { loadSettings, type ServerSettings, type UserSettings } from '../settings/settings.js';
import { loadTokens } from '../auth/tokens.js';
import { loadProfile, type Profile } from '../state/profile.js';
import { TraktClient } from '../trakt/client.js';

/** What a user-scoped hook works with: the host, settings, profile, connection state and a Trakt client. */
export interface UserContext {
  host: HostApi;
  userId: string;
  server: ServerSettings;
  user: UserSettings;
  profile: Profile;
  connected: boolean;
  client: TraktClient;
}

/** Loads the settings, profile and connection of a user and makes their Trakt client. */
export function userContext(host: HostApi, userId: string): UserContext {
  const { server, user } = loadSettings(host, userId);
  const profile = loadProfile(host, userId);
  const connected = !!server.clientId && loadTokens(host, userId) !== null;
  return { host, userId, server, user, profile, connected, client: new TraktClient(host, server, userId) };
}
