//go:build tools

// Package engine pins the Pulumi CLI sources this project builds (see ensure-engine.sh).
package engine

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
