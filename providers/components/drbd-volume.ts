// DrbdVolume: a DRBD 9 replicated volume on two nodes, and the Pacemaker objects that run it. Node
// side: DrbdConfig (kinds/drbd-config.ts). Cluster side: the promotable clone of ocf:linbit:drbd
// and, optionally, a Filesystem resource colocated with the promoted role and ordered after
// promotion, made of PcsResource and Constraint, so they share the write queue, holds and drift
// detection.
import * as pulumi from "@pulumi/pulumi";
import { Constraint } from "../kinds/constraint";
import { DrbdConfig, DrbdConfigArgs } from "../kinds/drbd-config";
import { PcsResource, PcsResourceArgs } from "../kinds/pcs-resource";

// ---- the component ----------------------------------------------------------------------------

export interface DrbdFilesystemArgs {
  /** The Filesystem resource's id. */
  resourceId: string;
  directory: pulumi.Input<string>;
  fstype: pulumi.Input<string>;
  options?: pulumi.Input<string>;
}

export interface DrbdVolumeArgs extends Omit<DrbdConfigArgs, "resourceName" | "minor"> {
  /** Plain values: the Pacemaker ids are made from them. */
  resourceName: string;
  minor?: number;
  /** Where pcs runs for the Pacemaker objects; defaults to the first node. */
  runOn?: PcsResourceArgs["runOn"];
  /** The ocf:linbit:drbd primitive's id (default drbd_<resourceName>); its clone is <id>-clone. */
  primitiveId?: string;
  /** Merged over promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true. */
  cloneMeta?: pulumi.Input<Record<string, string>>;
  filesystem?: DrbdFilesystemArgs;
}

export const DRBD_CLONE_META = {
  "promoted-max": "1",
  "promoted-node-max": "1",
  "clone-max": "2",
  "clone-node-max": "1",
  notify: "true",
};

/** The ocf:linbit:drbd primitive and its promotable clone a DrbdVolume declares (runOn and adopt apart). */
export function drbdPrimitive(
  resourceName: string,
  primitiveId: string | undefined,
  cloneMeta: Record<string, string>,
) {
  const id = primitiveId ?? `drbd_${resourceName}`;
  return {
    resourceId: id,
    agent: "ocf:linbit:drbd",
    instanceAttributes: { drbd_resource: resourceName },
    operations: [
      { name: "monitor", interval: "29s", role: "Promoted" as const },
      { name: "monitor", interval: "31s", role: "Unpromoted" as const },
    ],
    clone: { id: `${id}-clone`, promotable: true, meta: { ...DRBD_CLONE_META, ...cloneMeta } },
  };
}

/** The Filesystem resource's instance attributes: the DRBD device, where and what to mount. */
export const filesystemAttributes = (
  minor: number | undefined,
  directory: string,
  fstype: string,
  options?: string,
): Record<string, string> => ({
  device: `/dev/drbd${minor ?? 0}`,
  directory,
  fstype,
  ...(options ? { options } : {}),
});

/** The Filesystem colocated with the Promoted role of the clone, and started after promotion. */
export const filesystemConstraints = (fsId: string, cloneId: string) => ({
  withPromoted: {
    type: "colocation" as const,
    resource: fsId,
    withResource: cloneId,
    withRole: "Promoted" as const,
  },
  afterPromote: { type: "order" as const, first: cloneId, firstAction: "promote" as const, then: fsId },
});

export class DrbdVolume extends pulumi.ComponentResource {
  readonly config: DrbdConfig;
  readonly drbd: PcsResource;
  readonly filesystem?: PcsResource;
  readonly cloneId: string;

  constructor(name: string, args: DrbdVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pcmk-lab:index:DrbdVolume", name, {}, opts);
    const { runOn: runOnArg, primitiveId, cloneMeta, filesystem, ...configArgs } = args;
    const parent = { parent: this };
    this.config = new DrbdConfig(`${name}-config`, configArgs, parent);
    const runOn = runOnArg ?? pulumi.output(args.nodes).apply((ns) => ns[0].connection);
    const drbd = drbdPrimitive(args.resourceName, primitiveId, {});
    this.cloneId = drbd.clone.id;
    this.drbd = new PcsResource(
      `${name}-drbd`,
      {
        runOn,
        ...drbd,
        clone: pulumi
          .output(cloneMeta ?? {})
          .apply((m) => drbdPrimitive(args.resourceName, primitiveId, m).clone),
        adopt: args.adopt,
      },
      { ...parent, dependsOn: [this.config] },
    );
    if (filesystem) this.filesystem = this.mountAfterPromotion(name, runOn, filesystem, args);
    this.registerOutputs({ device: this.config.device, nodeStates: this.config.nodeStates });
  }

  /** Filesystem on the promoted node: colocated with the Promoted role, started after promote. */
  private mountAfterPromotion(
    name: string,
    runOn: PcsResourceArgs["runOn"],
    fs: DrbdFilesystemArgs,
    args: DrbdVolumeArgs,
  ): PcsResource {
    const parent = { parent: this };
    const resource = new PcsResource(
      `${name}-fs`,
      {
        runOn,
        resourceId: fs.resourceId,
        agent: "ocf:heartbeat:Filesystem",
        instanceAttributes: pulumi
          .all([fs.directory, fs.fstype, fs.options])
          .apply(([directory, fstype, options]) =>
            filesystemAttributes(args.minor, directory, fstype, options),
          ),
        adopt: args.adopt,
      },
      { ...parent, dependsOn: [this.drbd] },
    );
    const { withPromoted, afterPromote } = filesystemConstraints(fs.resourceId, this.cloneId);
    new Constraint(
      `${name}-fs-with-promoted`,
      { runOn, constraint: withPromoted, adopt: args.adopt },
      { ...parent, dependsOn: [resource] },
    );
    new Constraint(
      `${name}-fs-after-promote`,
      { runOn, constraint: afterPromote, adopt: args.adopt },
      { ...parent, dependsOn: [resource] },
    );
    return resource;
  }
}
