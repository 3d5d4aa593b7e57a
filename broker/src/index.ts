export { type Authenticator, createAuthenticator, type Principal } from './authenticator.ts';
export { type Broker, type BrokerStats, createBroker } from './broker.ts';
export { type BrokerConfig, loadConfig } from './config.ts';
export { type CredentialCache, createCredentialCache } from './credentialCache.ts';
