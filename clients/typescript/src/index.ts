/**
 * A typed client for the family_safety HTTP API.
 *
 * `schema.ts` is generated from the service's OpenAPI document (`make client`); openapi-fetch
 * turns it into a fetch wrapper whose paths, parameters, bodies and answers are all typed: a
 * setting key with a typo, or a value of the wrong type for its key, does not compile.
 */
import createClient, {
  type Client,
  type FetchResponse,
  type MaybeOptionalInit,
  type Middleware,
} from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type { components, paths };

type Schemas = components["schemas"];

/** The effective settings answer: every key, its value, where it came from and who bounds it. */
export type EffectiveSettings = Schemas["EffectiveSettingsOut"];
/** `{key: value}` as a PATCH of `/v1/me/settings` or a guardian's limits takes it. */
export type SettingValues = Schemas["SettingValues"];
export type SettingKey = Schemas["SettingKey"];
/** One resolved setting of a key, its `value` typed for that key. */
export type EffectiveSetting<K extends SettingKey> = Schemas["EffectiveSettingsMap"][K];
export type Problem = Schemas["ProblemDetails"];
export type Link = Schemas["Link"];

type Method = "get" | "put" | "post" | "delete" | "patch";
type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends { [K in M]: object } ? P : never;
}[keyof paths];
type Init<P extends keyof paths, M extends Method> = MaybeOptionalInit<paths[P], M>;

/**
 * A call whose options (path, query, headers, body) are checked as written: a misspelt key or a
 * field the service refuses does not compile. (openapi-fetch's own methods infer the options'
 * type from the call, which lets any extra key through: openapi-typescript#1769.)
 */
type StrictMethod<M extends Method> = <P extends PathsWith<M>>(
  url: P,
  ...init: undefined extends Init<P, M> ? [Init<P, M>?] : [Init<P, M>]
) => Promise<Answer<P, M>>;
type Answer<P extends keyof paths, M extends Method> = FetchResponse<
  paths[P][M] & Record<string | number, unknown>,
  Init<P, M>,
  `${string}/${string}`
>;

type Strict = "GET" | "PUT" | "POST" | "DELETE" | "PATCH";
export type FamilySafetyClient = Omit<Client<paths>, Strict> & {
  GET: StrictMethod<"get">;
  PUT: StrictMethod<"put">;
  POST: StrictMethod<"post">;
  DELETE: StrictMethod<"delete">;
  PATCH: StrictMethod<"patch">;
};

export interface ClientOptions {
  /** Where the service answers, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  /** The current access token, asked for on every request (none: the request goes unsigned). */
  accessToken?: () => string | undefined;
  /** A fetch of your own (tests, retries, a proxy). */
  fetch?: typeof globalThis.fetch;
}

/** A client for the family_safety API; each call answers `{data}` or `{error}` (a problem). */
export function createFamilySafetyClient(options: ClientOptions): FamilySafetyClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const { accessToken } = options;
  if (accessToken) {
    const bearer: Middleware = {
      onRequest({ request }) {
        const token = accessToken();
        if (token) request.headers.set("Authorization", `Bearer ${token}`);
        return request;
      },
    };
    client.use(bearer);
  }
  // The same calls, typed strictly (see StrictMethod).
  return client as unknown as FamilySafetyClient;
}

/** The slug of a problem (`setting-locked`, `precondition-failed`, ...), which clients switch on. */
export function problemSlug(problem: Pick<Problem, "type">): string {
  return problem.type.slice(problem.type.lastIndexOf("/") + 1);
}
