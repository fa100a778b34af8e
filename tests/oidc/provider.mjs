// A real OpenID Connect provider for the SSO tests: the certified `oidc-provider` package, configured like a
// company's identity provider (authorization code flow, PKCE required, RP-initiated logout, a groups claim).
//
// Started by tests/sso/conftest.py, one process per provider. Everything comes from the environment:
//   REDIRECT_URI, POST_LOGOUT_REDIRECT_URI   the Demand Desk under test (its /oidc/callback/ and home page)
//   CLIENT_ID, CLIENT_SECRET                 the client registered for it
//   USERS_FILE                               JSON {"<sub>": {"email", "name", "groups": [...]}}, read at every
//                                            sign-in, so a test can take a user out of a group between two logins
//   ISSUER                                   optional: claim another issuer's name (a rogue provider)
//   CLOCK_SKEW_SECONDS                       optional: run this provider's clock behind (negative) or ahead
//   ID_TOKEN_TTL_SECONDS                     optional: how long an ID token lives (default 300)
// It listens on a free port of 127.0.0.1 and prints `ready <issuer> <port>` once it answers.
//
// The login page is the package's development interactions: any known user id signs in without a password
// (the tests are about what the relying party does with the answer, not about the provider's own login).
// Each process makes its own RSA signing key, always with the same key id: two processes sign differently
// under the same `kid`, which is what a forged or wrongly signed token looks like to the relying party.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const skewMs = Number(process.env.CLOCK_SKEW_SECONDS || 0) * 1000;
if (skewMs) {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + skewMs;
}

const { default: Provider } = await import('oidc-provider');

const required = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`missing ${name}`);
    process.exit(2);
  }
  return value;
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'dd-test-signing-key', alg: 'RS256', use: 'sig' };

function usersNow() {
  return JSON.parse(readFileSync(required('USERS_FILE'), 'utf8'));
}

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = process.env.ISSUER || `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: required('CLIENT_ID'),
      client_secret: required('CLIENT_SECRET'),
      redirect_uris: [required('REDIRECT_URI')],
      post_logout_redirect_uris: [required('POST_LOGOUT_REDIRECT_URI')],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['demand-desk-test-cookie-key'] },
  // PKCE for every client, confidential ones included: a relying party that skips it cannot sign in.
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    groups: ['groups'],
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: {
    IdToken: Number(process.env.ID_TOKEN_TTL_SECONDS || 300),
    AccessToken: 600,
    AuthorizationCode: 60,
    Interaction: 3600,
    Session: 3600,
    Grant: 3600,
  },
  async findAccount(ctx, sub) {
    const user = usersNow()[sub];
    if (!user) {
      return undefined;
    }
    return {
      accountId: sub,
      async claims() {
        const current = usersNow()[sub] || user;
        const [given, ...family] = (current.name || '').split(' ');
        return {
          sub,
          email: current.email,
          email_verified: true,
          name: current.name,
          given_name: given,
          family_name: family.join(' '),
          preferred_username: sub,
          groups: current.groups || [],
        };
      },
    };
  },
  // A first-party application: the user is not asked to consent, as with a company's own IdP.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
});

server.on('request', provider.callback());
console.log(`ready ${issuer} ${port}`);

// Nothing to save: the test that started it is done with it.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
