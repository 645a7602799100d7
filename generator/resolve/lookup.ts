// Look-ups over a resolved Model for the targets: each index is built once per Model (the Model
// is never changed after resolve, so it can never go stale) instead of a scan of every instance per host.
import { groupBy } from "./group.ts";
import type { InstanceModel, Model, NetworkModel, StoragePoolModel } from "./model.ts";

interface Index {
  readonly instancesByHost: Map<string, InstanceModel[]>;
  readonly networksByHost: Map<string, NetworkModel[]>;
  readonly storagePools: Map<string, StoragePoolModel>;
}

const cache = new WeakMap<Model, Index>();

function index(model: Model): Index {
  let i = cache.get(model);
  if (!i) {
    i = {
      instancesByHost: groupBy(model.instances, (x) => x.host),
      networksByHost: groupBy(model.networks, (x) => x.host),
      storagePools: new Map(model.storagePools.map((p) => [p.name, p])),
    };
    cache.set(model, i);
  }
  return i;
}

/** The instances on a host, sorted by name (the Model's order). */
export const instancesOn = (model: Model, host: string): readonly InstanceModel[] => index(model).instancesByHost.get(host) ?? [];

/** The bridges on a host, sorted by name. */
export const networksOn = (model: Model, host: string): readonly NetworkModel[] => index(model).networksByHost.get(host) ?? [];

export const storagePoolNamed = (model: Model, name: string): StoragePoolModel | undefined => index(model).storagePools.get(name);
