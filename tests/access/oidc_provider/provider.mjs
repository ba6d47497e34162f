// A real OpenID Connect provider (panva's oidc-provider) for tests/access/test_oidc.py.
// Configured by the test through the environment:
//   OIDC_PORT      the port to listen on (127.0.0.1)
//   OIDC_CLIENT    JSON: {"client_id", "client_secret", "redirect_uris": [...]}
//   OIDC_ACCOUNTS  JSON: {"<login>": {"email": "...", "email_verified": true}, ...}
// The development interactions stay on: a login form (any password; the login names the
// account) and a consent form, which the test posts like a browser. Prints "ready <issuer>".
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const client = JSON.parse(process.env.OIDC_CLIENT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    ...client,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  pkce: { required: () => true },
  cookies: { keys: ['tocsin-test-cookie-key'] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
