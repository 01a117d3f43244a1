// The one way the providers tell the user something that is not an error: a warning in the
// `pulumi preview`/`up` output (a fallback taken, a check that could not be made as usual).
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import type * as grpc from "@grpc/grpc-js";
import * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineProto from "@pulumi/pulumi/proto/engine_pb";

export type Warn = (message: string) => void;

/**
 * A warning in the `pulumi up` output. In a dynamic provider's process `pulumi.log.warn` has no
 * engine to talk to (the SDK learns its address only in a program's process) and prints to
 * stderr, which the CLI shows as a plain message; the engine's address is the host's first
 * argument, and a warning sent there is one. Outside such a process: pulumi.log.warn.
 */
export function warnUser(message: string): void {
  const address = providerHostEngine();
  if (!address) {
    void pulumi.log.warn(message);
    return;
  }
  const request = new engineProto.LogRequest();
  request.setSeverity(engineProto.LogSeverity.WARNING);
  request.setMessage(message);
  engineClient(address).log(request, (err) => {
    if (err) void pulumi.log.warn(message);
  });
}

/** The engine's address when this is Pulumi's Node dynamic-provider host (its only argument). */
function providerHostEngine(argv: readonly string[] = process.argv): string | null {
  const host = /[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$/.test(argv[1] ?? "");
  const address = argv[2] ?? "";
  return host && /^[\w.[\]:-]+:\d+$/.test(address) ? address : null;
}

let client: engineRpc.EngineClient | null = null;

function engineClient(address: string): engineRpc.EngineClient {
  if (!client) {
    // the credentials must come from the gRPC module the SDK's client is made with
    const grpcOfSdk = createRequire(require.resolve("@pulumi/pulumi/proto/engine_grpc_pb"))(
      "@grpc/grpc-js",
    ) as typeof grpc;
    client = new engineRpc.EngineClient(address, grpcOfSdk.credentials.createInsecure());
  }
  return client;
}
