// pulumi-language-nodejs: the Node.js language host of this project's engine build.
//
// Why our own: the Go module proxy refuses pulumi's separately-versioned module
// github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 (403 "This module version
// is not available"), while pkg/v3 and sdk/v3 are served. This host speaks the LanguageRuntime
// protocol with the pinned sdk/v3 types and does what preview/up/refresh/destroy need: it runs
// the program under the installed @pulumi/pulumi's own `cmd/run` and reports the resource
// plugins that installed node packages declare. Everything else answers Unimplemented, which
// the engine treats as "older language host" and skips.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const runScript = "node_modules/@pulumi/pulumi/cmd/run/index.js"

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	mu            sync.Mutex
	engineAddress string
}

func main() {
	// The engine passes its own address as the last positional argument; flags such as
	// -tracing or -root may precede it and are not needed here.
	host := &languageHost{}
	for _, arg := range os.Args[1:] {
		if !strings.HasPrefix(arg, "-") {
			host.engineAddress = arg
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: cannot serve: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port) // the engine reads our port from the first line
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPlugins lists the resource plugins declared by installed packages
// (package.json "pulumi": {"resource": true}), as the upstream host does.
func (h *languageHost) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest, //nolint:staticcheck
) (*pulumirpc.GetRequiredPluginsResponse, error) { //nolint:staticcheck
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetProgram() //nolint:staticcheck
	}
	modules, ok := findUp(dir, "node_modules")
	if !ok {
		return &pulumirpc.GetRequiredPluginsResponse{}, nil //nolint:staticcheck
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: pluginsIn(modules)}, nil //nolint:staticcheck
}

func (h *languageHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node --version: %w", err)
	}
	v := strings.TrimSpace(string(out))
	return &pulumirpc.AboutResponse{Executable: "node", Version: strings.TrimPrefix(v, "v")}, nil
}

func (h *languageHost) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

// Run executes the program with @pulumi/pulumi's cmd/run, found from the program directory up.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	programDir := req.GetInfo().GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	modules, ok := findUp(programDir, runScript)
	if !ok {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(
			"@pulumi/pulumi is not installed for the program in %s: run npm install", programDir)}, nil
	}
	config, secretKeys, err := configEnv(req)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "node", h.runArgs(filepath.Join(modules, runScript), req)...)
	cmd.Dir = req.GetPwd()
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(),
		"PULUMI_CONFIG="+config,
		"PULUMI_CONFIG_SECRET_KEYS="+secretKeys,
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(typescriptEnabled(req.GetInfo())),
	)
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			// The program already reported its error through the engine; signal "bail" like upstream
			// does for exit code 32, otherwise a short message.
			if exitErr.ExitCode() == 32 {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func (h *languageHost) runArgs(script string, req *pulumirpc.RunRequest) []string {
	h.mu.Lock()
	engine := h.engineAddress
	h.mu.Unlock()
	args := []string{script}
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if p := req.GetParallel(); p > 0 {
		add("parallel", strconv.Itoa(int(p)))
	} else {
		add("parallel", strconv.Itoa(4*runtime.NumCPU()))
	}
	program := req.GetInfo().GetEntryPoint()
	if program == "" {
		program = req.GetProgram()
	}
	if program == "" {
		program = "."
	}
	args = append(args, program)
	return append(args, req.GetArgs()...)
}

// typescriptEnabled follows Pulumi.yaml's runtime option `typescript` (default true, as upstream).
func typescriptEnabled(info *pulumirpc.ProgramInfo) bool {
	if opt, ok := info.GetOptions().GetFields()["typescript"]; ok {
		return opt.GetBoolValue()
	}
	return true
}

// findUp returns the directory from dir upwards that contains rel.
func findUp(dir, rel string) (string, bool) {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, rel)); err == nil {
			if rel == "node_modules" {
				return filepath.Join(d, rel), true
			}
			return d, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

type packageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
	} `json:"pulumi"`
}

// pluginsIn scans node_modules/<pkg> and node_modules/@scope/<pkg> for resource plugins.
func pluginsIn(modules string) []*pulumirpc.PluginDependency {
	var found []*pulumirpc.PluginDependency
	dirs, _ := filepath.Glob(filepath.Join(modules, "*", "package.json"))
	scoped, _ := filepath.Glob(filepath.Join(modules, "@*", "*", "package.json"))
	for _, file := range append(dirs, scoped...) {
		raw, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		var pkg packageJSON
		if json.Unmarshal(raw, &pkg) != nil || !pkg.Pulumi.Resource {
			continue
		}
		name := pkg.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(strings.TrimPrefix(pkg.Name, "@pulumi/"), "@")
		}
		v := pkg.Pulumi.Version
		if v == "" {
			v = pkg.Version
		}
		if !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		found = append(found, &pulumirpc.PluginDependency{Name: name, Kind: "resource", Version: v})
	}
	return found
}

// configEnv renders the stack's config for the SDK, which expects JSON objects and arrays:
// an empty config must be {} and [], never null.
func configEnv(req *pulumirpc.RunRequest) (string, string, error) {
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	c, err := json.Marshal(config)
	if err != nil {
		return "", "", err
	}
	s, err := json.Marshal(secretKeys)
	return string(c), string(s), err
}
