-- People and their roles (issue 13): who signs in, and what they may do.
-- A personal token is shown once when the user is added and stored only as
-- its SHA-256 (tokens are 256 random bits, so a fast hash is enough: there
-- is nothing to guess). Sessions are the browser's sign-in, stored the same
-- way (the cookie holds the secret, the table its hash).
CREATE TABLE users (
  email       text        PRIMARY KEY,
  role        text        NOT NULL CHECK (role IN ('manager', 'csm', 'operator')),
  token_hash  text        NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  id_hash     text        PRIMARY KEY,
  email       text        NOT NULL,
  csrf        text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_email_idx ON sessions (email);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
