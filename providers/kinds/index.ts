// Every resource kind of this package, in one list: the runtime serves them by name, the secret
// fields come from their declarations. Adding a kind is its module and one entry here.
import { AnyKind, erased, secretFieldsOf } from "../kit/kind";
import { clusterKind } from "./cluster";
import { clusterAuthKind } from "./cluster-auth";
import { clusterObjectsKind } from "./cluster-objects";
import { constraintKind } from "./constraint";
import { drSiteKind } from "./dr-site";
import { drbdConfigKind } from "./drbd-config";
import { nodeKind } from "./node";
import { pcsResourceKind } from "./pcs-resource";
import { stonithDeviceKind } from "./stonith-device";

export const KINDS: readonly AnyKind[] = [
  erased(nodeKind),
  erased(clusterAuthKind),
  erased(clusterKind),
  erased(pcsResourceKind),
  erased(constraintKind),
  erased(clusterObjectsKind),
  erased(stonithDeviceKind),
  erased(drbdConfigKind),
  erased(drSiteKind),
];

/** Each kind's secret inputs, by its name: what its field rules declare secret. */
export const SECRET_INPUTS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  KINDS.map((k) => [k.name, secretFieldsOf(k.fields)]),
);
