"""Real test peers: oidc-provider (npm) and @auth0/nextjs-auth0 v4 driven from Python."""
