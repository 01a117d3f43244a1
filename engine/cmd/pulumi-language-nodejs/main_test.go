package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestConfigEnvIsNeverNull(t *testing.T) {
	config, secrets, err := configEnv(&pulumirpc.RunRequest{})
	if err != nil || config != "{}" || secrets != "[]" {
		t.Fatalf("empty config: got %q %q %v, want {} []", config, secrets, err)
	}
	config, secrets, _ = configEnv(&pulumirpc.RunRequest{
		Config: map[string]string{"proj:a": "1"}, ConfigSecretKeys: []string{"proj:a"},
	})
	if config != `{"proj:a":"1"}` || secrets != `["proj:a"]` {
		t.Fatalf("got %q %q", config, secrets)
	}
}

func TestRunArgsFollowTheSDKsRunScript(t *testing.T) {
	h := &languageHost{engineAddress: "127.0.0.1:1"}
	args := h.runArgs("/x/run/index.js", &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:2", Project: "p", Stack: "s", Pwd: "/w", DryRun: true, Parallel: 8,
		Organization: "o", Info: &pulumirpc.ProgramInfo{RootDirectory: "/w", EntryPoint: "dist/index.js"},
		Args: []string{"extra"},
	})
	want := []string{"/x/run/index.js", "--monitor", "127.0.0.1:2", "--engine", "127.0.0.1:1",
		"--organization", "o", "--project", "p", "--root-directory", "/w", "--stack", "s", "--pwd", "/w",
		"--dry-run", "--parallel", "8", "dist/index.js", "extra"}
	if !reflect.DeepEqual(args, want) {
		t.Fatalf("got %q\nwant %q", args, want)
	}
}

func TestTypescriptOptionDefaultsToTrue(t *testing.T) {
	if !typescriptEnabled(&pulumirpc.ProgramInfo{}) {
		t.Fatal("default must be true, as upstream")
	}
	off, _ := structpb.NewStruct(map[string]any{"typescript": false})
	if typescriptEnabled(&pulumirpc.ProgramInfo{Options: off}) {
		t.Fatal("typescript: false must turn it off")
	}
}

func TestPluginsAreFoundInScopedAndPlainPackages(t *testing.T) {
	modules := filepath.Join(t.TempDir(), "node_modules")
	write := func(rel, body string) {
		p := filepath.Join(modules, rel, "package.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("@pulumi/command", `{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true}}`)
	write("left-pad", `{"name":"left-pad","version":"1.0.0"}`)
	write("@acme/thing", `{"name":"@acme/thing","version":"v2.0.0","pulumi":{"resource":true,"name":"thing"}}`)
	got := map[string]string{}
	for _, p := range pluginsIn(modules) {
		got[p.Name] = p.Version
	}
	want := map[string]string{"command": "v1.2.1", "thing": "v2.0.0"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
}
