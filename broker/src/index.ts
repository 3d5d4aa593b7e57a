export { type Broker, createBroker } from './broker.ts';
export { type BrokerConfig, loadConfig } from './config.ts';
