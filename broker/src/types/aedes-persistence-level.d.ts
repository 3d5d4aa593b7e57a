/** aedes-persistence-level ships no types: it takes an abstract-level database and returns an Aedes persistence. */
declare module 'aedes-persistence-level' {
  export default function aedesPersistenceLevel(db: object): unknown;
}
