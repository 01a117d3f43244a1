// The B2/B3 baseline: what @pulumi/command's remote.Command does, for when its plugin cannot be
// built (its Go module is refused by this machine's module proxy). Each create and delete opens
// a NEW ssh connection, runs one shell command line, and closes it; update reruns create; read
// returns the state unchanged (remote.Command cannot see the remote side, so a refresh costs no
// remote command and detects no drift). Not part of the library: benchmarks only.
import * as pulumi from "@pulumi/pulumi";
import { Client } from "ssh2";

export interface RemoteCommandInputs {
  connection: { host: string; port?: number; user?: string; privateKey: string };
  create: string;
  delete?: string;
}

/** One connection, one command, closed: remote.Command's cost model. */
export function runOnce(c: RemoteCommandInputs["connection"], command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on("ready", () =>
        client.exec(command, (err, stream) => {
          if (err) return reject(err);
          let out = "";
          let errText = "";
          stream.on("data", (d: Buffer) => (out += d));
          stream.stderr.on("data", (d: Buffer) => (errText += d));
          stream.on("close", (code: number) => {
            client.end();
            if (code === 0) resolve(out);
            else reject(new Error(`${c.host}: '${command}' exited ${code}: ${errText.trim()}`));
          });
        }),
      )
      .on("error", reject)
      .connect({ host: c.host, port: c.port ?? 22, username: c.user ?? "root", privateKey: c.privateKey });
  });
}

export async function create(inputs: RemoteCommandInputs) {
  const stdout = await runOnce(inputs.connection, inputs.create);
  return { id: `${inputs.connection.host}:${inputs.create}`.slice(0, 200), outs: { ...inputs, stdout } };
}

export async function remove(_id: string, props: RemoteCommandInputs) {
  if (props.delete) await runOnce(props.connection, props.delete);
}

/** This file, as the provider process requires it: the stand-ins are in the repository, not in the package. */
const THIS_MODULE = __filename;

export class RemoteCommand extends pulumi.dynamic.Resource {
  constructor(name: string, args: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    /* eslint-disable @typescript-eslint/no-require-imports -- resolved in the provider process */
    const provider: pulumi.dynamic.ResourceProvider = {
      create: (inputs) => require(THIS_MODULE).create(inputs),
      delete: (id, props) => require(THIS_MODULE).remove(id, props),
      update: async (_id, _olds, news) => ({ outs: (await require(THIS_MODULE).create(news)).outs }),
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
    super(
      provider,
      name,
      { stdout: undefined, ...args },
      { ...opts, additionalSecretOutputs: ["connection"] },
    );
  }
}
