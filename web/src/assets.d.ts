// The assets web/build.mjs inlines (python -m sharedmodels.runs.web assets writes them), typed
// for the type check without reading them.
declare module "sharedmodels-assets/contracts.json" {
  const contracts: Record<string, { abi: any[]; runtime_length: number; runtime_keccak: `0x${string}` }>;
  export default contracts;
}
declare module "sharedmodels-assets/unicode.json" {
  const unicode: { unidata_version: string; unassigned: [number, number][] };
  export default unicode;
}
