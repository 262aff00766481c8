// Package manifests renders deploy/k8s with the kustomize API, decodes every object strictly with the upstream
// Kubernetes Go types, validates TestRuns against the k6-operator's CRD schema and checks what makes the
// benchmark fair and the services well-behaved on a cluster. The tests and cmd/bench-k8s share it, so nothing is
// applied that the tests would reject.
package manifests

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Contract is what the manifests must agree with, read from packages/contract/openapi.json (generated from the
// contract's tables), never restated here.
type Contract struct {
	LivenessPath  string
	ReadinessPath string
	MetricsPath   string
	// Ports is each implementation's default port, from the document's servers ("<name> service").
	Ports map[string]int32
	// EnvNames are the configuration variables the contract defines (PORT, CONCURRENCY, …).
	EnvNames map[string]bool
}

// Targets are the implementations in a stable order.
func (c *Contract) Targets() []string {
	out := make([]string, 0, len(c.Ports))
	for t := range c.Ports {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// RepoRoot finds the repository root (the folder with pnpm-workspace.yaml) at or above dir.
func RepoRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "pnpm-workspace.yaml")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no pnpm-workspace.yaml at or above %s: not inside the repository", dir)
		}
		d = parent
	}
}

// OpenAPIPath is the contract's generated OpenAPI document, relative to the repository root.
const OpenAPIPath = "packages/contract/openapi.json"

var (
	envLine       = regexp.MustCompile("(?m)^- `([A-Z][A-Z0-9_]*)` \\(")
	serverPattern = regexp.MustCompile(`^([a-z0-9-]+) service$`)
)

// LoadContract reads the contract's OpenAPI document.
func LoadContract(repoRoot string) (*Contract, error) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, OpenAPIPath))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Info struct {
			Description string `json:"description"`
		} `json:"info"`
		Servers []struct {
			URL         string `json:"url"`
			Description string `json:"description"`
		} `json:"servers"`
		Paths map[string]map[string]struct {
			Summary string `json:"summary"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", OpenAPIPath, err)
	}
	c := &Contract{Ports: map[string]int32{}, EnvNames: map[string]bool{}}
	// The operations are found by what they are (their summary), so a renamed route is followed.
	for path, ops := range doc.Paths {
		switch ops["get"].Summary {
		case "Liveness":
			c.LivenessPath = path
		case "Readiness":
			c.ReadinessPath = path
		case "Prometheus metrics":
			c.MetricsPath = path
		}
	}
	for _, s := range doc.Servers {
		m := serverPattern.FindStringSubmatch(s.Description)
		if m == nil {
			continue
		}
		u, err := url.Parse(s.URL)
		if err != nil {
			return nil, fmt.Errorf("%s: server %q: %w", OpenAPIPath, s.URL, err)
		}
		p, err := strconv.ParseInt(u.Port(), 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s: server %q has no port", OpenAPIPath, s.URL)
		}
		c.Ports[m[1]] = int32(p)
	}
	for _, m := range envLine.FindAllStringSubmatch(doc.Info.Description, -1) {
		c.EnvNames[m[1]] = true
	}
	var missing []string
	if c.LivenessPath == "" {
		missing = append(missing, "the Liveness operation")
	}
	if c.ReadinessPath == "" {
		missing = append(missing, "the Readiness operation")
	}
	if c.MetricsPath == "" {
		missing = append(missing, "the Prometheus metrics operation")
	}
	if len(c.Ports) == 0 {
		missing = append(missing, `servers described "<name> service"`)
	}
	for _, name := range []string{"PORT", "CONCURRENCY", "SHUTDOWN_TIMEOUT_MS"} {
		if !c.EnvNames[name] {
			missing = append(missing, "the configuration variable "+name)
		}
	}
	if len(missing) > 0 {
		return nil, errors.New(OpenAPIPath + " lacks " + strings.Join(missing, ", "))
	}
	return c, nil
}
