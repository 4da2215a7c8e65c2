// Bundled on its own (dist/vendor-google.js) and loaded only when an endpoint uses Google auth.
export * from 'google-auth-library';
