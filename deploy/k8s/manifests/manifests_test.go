package manifests

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

type fixture struct {
	root     string
	contract *Contract
	schema   *TestRunSchema
	rendered map[string][]*Object
}

var (
	fixOnce sync.Once
	fix     fixture
	fixErr  error
)

// setup renders every overlay once; each test decodes its own copy, so mutations never leak between tests.
func setup(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		fix.root, fixErr = RepoRoot(".")
		if fixErr != nil {
			return
		}
		if fix.contract, fixErr = LoadContract(fix.root); fixErr != nil {
			return
		}
		if fix.schema, fixErr = RepoTestRunSchema(fix.root); fixErr != nil {
			return
		}
		fix.rendered = map[string][]*Object{}
		for _, ov := range Overlays {
			if fix.rendered[ov], fixErr = Render(filepath.Join(fix.root, K8sDir, ov)); fixErr != nil {
				return
			}
		}
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return &fix
}

func (f *fixture) env(overlay string) *Env {
	return &Env{Contract: f.contract, RepoRoot: f.root, RequireLoad: overlay == "overlays/bench"}
}

// copyObjects deep-copies rendered objects (their maps), so a test may edit them.
func copyObjects(t *testing.T, objs []*Object) []*Object {
	t.Helper()
	out := make([]*Object, len(objs))
	for i, o := range objs {
		m, err := deepCopyJSON(o.Map)
		if err != nil {
			t.Fatal(err)
		}
		c := *o
		c.Map = m
		out[i] = &c
	}
	return out
}

func (f *fixture) decode(t *testing.T, overlay string) *Manifest {
	t.Helper()
	m, err := Decode(copyObjects(t, f.rendered[overlay]), f.schema)
	if err != nil {
		t.Fatalf("%s: %v", overlay, err)
	}
	return m
}

func TestEveryOverlayRendersDecodesAndPasses(t *testing.T) {
	f := setup(t)
	for _, ov := range Overlays {
		t.Run(ov, func(t *testing.T) {
			m := f.decode(t, ov)
			if err := RunChecks(f.env(ov), m); err != nil {
				t.Fatal(err)
			}
			n := len(f.contract.Targets())
			if len(targets(f.env(ov), m)) != n || len(m.Services) != n || len(m.HPAs) != n || len(m.PDBs) != n {
				t.Fatalf("want %d targets each with a Deployment, Service, autoscaler and disruption budget; got %d/%d/%d/%d",
					n, len(targets(f.env(ov), m)), len(m.Services), len(m.HPAs), len(m.PDBs))
			}
			wantRuns := map[string]int{"overlays/bench": n}[ov]
			if len(m.TestRuns) != wantRuns {
				t.Fatalf("%d TestRuns, want %d", len(m.TestRuns), wantRuns)
			}
		})
	}
}

// The contract's implementations are the targets: adding one to the contract without manifests fails.
func TestTargetsComeFromTheContract(t *testing.T) {
	f := setup(t)
	if len(f.contract.Targets()) < 3 {
		t.Fatalf("the contract names %v; go, ts and go-vips expected at least", f.contract.Targets())
	}
	c := *f.contract
	c.Ports = map[string]int32{"rust": 8090}
	for k, v := range f.contract.Ports {
		c.Ports[k] = v
	}
	env := &Env{Contract: &c, RepoRoot: f.root}
	err := checkTargets(env, f.decode(t, "overlays/prod"))
	if err == nil || !strings.Contains(err.Error(), "target rust: 0 Deployments") {
		t.Fatalf("a contract target without a Deployment must fail, got %v", err)
	}
}

func TestContractIsReadNotAssumed(t *testing.T) {
	f := setup(t)
	raw, err := os.ReadFile(filepath.Join(f.root, OpenAPIPath))
	if err != nil {
		t.Fatal(err)
	}
	// A copy of the document whose liveness route moved: the loader follows it, and the manifests then fail.
	moved := strings.Replace(string(raw), `"/healthz"`, `"/livez"`, 1)
	if moved == string(raw) {
		t.Fatal("the contract has no /healthz route to move")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(OpenAPIPath)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, OpenAPIPath), []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadContract(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.LivenessPath != "/livez" || c.ReadinessPath != f.contract.ReadinessPath {
		t.Fatalf("liveness %q readiness %q", c.LivenessPath, c.ReadinessPath)
	}
	err = checkProbes(&Env{Contract: c, RepoRoot: f.root}, f.decode(t, "base"))
	if err == nil || !strings.Contains(err.Error(), `path "/healthz", the contract's is "/livez"`) {
		t.Fatalf("probes must follow the contract, got %v", err)
	}
	// A document without the operation is refused outright.
	broken := strings.Replace(string(raw), `"summary": "Readiness"`, `"summary": "Ready?"`, 1)
	if err := os.WriteFile(filepath.Join(dir, OpenAPIPath), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadContract(dir); err == nil || !strings.Contains(err.Error(), "Readiness operation") {
		t.Fatalf("want a refusal naming the Readiness operation, got %v", err)
	}
}

func find[T any](t *testing.T, items []T, name func(T) string, want string) T {
	t.Helper()
	for _, it := range items {
		if name(it) == want {
			return it
		}
	}
	t.Fatalf("%s not rendered", want)
	var zero T
	return zero
}

func svcContainer(t *testing.T, m *Manifest, deployment string) *corev1.Container {
	t.Helper()
	for _, d := range m.Deployments {
		if d.Name == deployment {
			return container(&d.Spec.Template.Spec, ServiceContainer)
		}
	}
	t.Fatalf("no Deployment %s", deployment)
	return nil
}

func setEnv(c *corev1.Container, name, value string) {
	for i := range c.Env {
		if c.Env[i].Name == name {
			c.Env[i] = corev1.EnvVar{Name: name, Value: value}
			return
		}
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: name, Value: value})
}

// Every check is proven to catch a broken copy of the rendered objects: each case breaks one thing and expects
// the named check to say so (other checks may complain too; that one must).
func TestEachCheckFailsOnABrokenCopy(t *testing.T) {
	f := setup(t)
	allTargets := func(m *Manifest, fn func(c *corev1.Container)) {
		for _, tg := range targets(f.env(""), m) {
			fn(tg.Container)
		}
	}
	cases := []struct {
		name, overlay, check, want string
		mutate                     func(t *testing.T, m *Manifest)
	}{
		{"a target without its Deployment", "base", "targets", "target go-vips: 0 Deployments", func(t *testing.T, m *Manifest) {
			m.Deployments = slices.DeleteFunc(m.Deployments, func(d *appsv1.Deployment) bool { return d.Name == "rtip-go-vips" })
		}},
		{"a Service selecting another target's pods", "base", "targets", "Service rtip-ts selector selects the pods of target go", func(t *testing.T, m *Manifest) {
			s := find(t, m.Services, func(s *corev1.Service) string { return s.Name }, "rtip-ts")
			delete(s.Spec.Selector, InstanceLabel)
		}},
		{"a disruption budget for the wrong target", "prod", "targets", "PodDisruptionBudget rtip-go selector does not select the pods of target go", func(t *testing.T, m *Manifest) {
			for _, p := range m.PDBs {
				if p.Name == "rtip-go" {
					p.Spec.Selector.MatchLabels[InstanceLabel] = "ts"
				}
			}
		}},
		{"an autoscaler scaling another Deployment", "base", "targets", "scales apps/v1 Deployment \"rtip-ts\", not target go's", func(t *testing.T, m *Manifest) {
			for _, h := range m.HPAs {
				if h.Name == "rtip-go" {
					h.Spec.ScaleTargetRef.Name = "rtip-ts"
				}
			}
		}},
		{"limits above requests", "base", "guaranteed", "cpu request 2 != limit 3 (not Guaranteed QoS)", func(t *testing.T, m *Manifest) {
			svcContainer(t, m, "rtip-ts").Resources.Limits[corev1.ResourceCPU] = resource.MustParse("3")
		}},
		{"no memory limit", "bench", "guaranteed", "container results: memory request and limit must both be set", func(t *testing.T, m *Manifest) {
			for _, d := range m.Deployments {
				if d.Name == "rtip-k6-results" {
					delete(d.Spec.Template.Spec.Containers[0].Resources.Limits, corev1.ResourceMemory)
				}
			}
		}},
		{"fractional CPUs everywhere", "base", "guaranteed", "CPU 1500m is not a whole number of CPUs", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) {
				c.Resources.Requests[corev1.ResourceCPU] = resource.MustParse("1500m")
				c.Resources.Limits[corev1.ResourceCPU] = resource.MustParse("1500m")
			})
		}},
		{"a runner with burstable CPU", "bench", "guaranteed", "TestRun rtip-load-ts runner: cpu request 1 != limit 2", func(t *testing.T, m *Manifest) {
			for _, tr := range m.TestRuns {
				if tr.Name == "rtip-load-ts" {
					tr.Spec.Runner.Resources.Limits[corev1.ResourceCPU] = resource.MustParse("2")
				}
			}
		}},
		{"GOMAXPROCS not following the CPUs", "base", "parallelism-env", `GOMAXPROCS="4" but the container has 2 CPUs`, func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) { setEnv(c, "GOMAXPROCS", "4") })
		}},
		{"CONCURRENCY from the memory limit", "base", "parallelism-env", "CONCURRENCY must come from this container's limits.cpu", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) {
				envVar(c, "CONCURRENCY").ValueFrom.ResourceFieldRef.Resource = "limits.memory"
			})
		}},
		{"UV_THREADPOOL_SIZE missing", "base", "parallelism-env", "UV_THREADPOOL_SIZE is not set", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) {
				c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "UV_THREADPOOL_SIZE" })
			})
		}},
		{"one target with another upload limit", "base", "same-everywhere", `target go-vips differs from go at .deployment.template.spec.containers[0].env`, func(t *testing.T, m *Manifest) {
			setEnv(svcContainer(t, m, "rtip-go-vips"), "MAX_UPLOAD_BYTES", "1048576")
		}},
		{"one target with more memory", "prod", "same-everywhere", `target ts differs from go at .deployment.template.spec.containers[0].resources.limits.memory`, func(t *testing.T, m *Manifest) {
			c := svcContainer(t, m, "rtip-ts")
			c.Resources.Limits[corev1.ResourceMemory] = resource.MustParse("2Gi")
			c.Resources.Requests[corev1.ResourceMemory] = resource.MustParse("2Gi")
		}},
		{"one target scaling differently", "prod", "same-everywhere", `target ts differs from go at .autoscaler.maxReplicas`, func(t *testing.T, m *Manifest) {
			for _, h := range m.HPAs {
				if h.Name == "rtip-ts" {
					h.Spec.MaxReplicas = 5
				}
			}
		}},
		{"readiness on the liveness route", "base", "probes", `readinessProbe: path "/healthz", the contract's is "/readyz"`, func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) { c.ReadinessProbe.HTTPGet.Path = f.contract.LivenessPath })
		}},
		{"no liveness probe", "base", "probes", "livenessProbe: want an HTTP GET of /healthz", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) { c.LivenessProbe = nil })
		}},
		{"a probe on another port", "base", "probes", "readinessProbe: port 9090 is not the service's port", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) { c.ReadinessProbe.HTTPGet.Port = intstr.FromInt32(9090) })
		}},
		{"PORT not the contract's", "base", "ports", "rtip-ts: PORT must be 8081", func(t *testing.T, m *Manifest) {
			setEnv(svcContainer(t, m, "rtip-ts"), "PORT", "8080")
		}},
		{"a Service forwarding elsewhere", "base", "ports", "forwards to metrics, not the service's port", func(t *testing.T, m *Manifest) {
			find(t, m.Services, func(s *corev1.Service) string { return s.Name }, "rtip-go").Spec.Ports[0].TargetPort = intstr.FromString("metrics")
		}},
		{"scraping the wrong path", "base", "ports", `must scrape /metrics on port 8080`, func(t *testing.T, m *Manifest) {
			for _, tg := range targets(f.env(""), m) {
				tg.Deployment.Spec.Template.Annotations["prometheus.io/path"] = "/stats"
			}
		}},
		{"a grace period the drain does not fit in", "base", "shutdown", "terminationGracePeriodSeconds 15 must exceed preStop 5s + SHUTDOWN_TIMEOUT_MS 10000ms = 15s", func(t *testing.T, m *Manifest) {
			for _, tg := range targets(f.env(""), m) {
				tg.Deployment.Spec.Template.Spec.TerminationGracePeriodSeconds = new(int64(15))
			}
		}},
		{"a longer drain than the grace period", "prod", "shutdown", "SHUTDOWN_TIMEOUT_MS 30000ms = 35s", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) { setEnv(c, "SHUTDOWN_TIMEOUT_MS", "30000") })
		}},
		{"no preStop", "base", "shutdown", "a preStop sleep must keep serving", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) { c.Lifecycle = nil })
		}},
		{"the grace period left to the default", "base", "shutdown", "terminationGracePeriodSeconds 30 must exceed preStop 5s + SHUTDOWN_TIMEOUT_MS 40000ms", func(t *testing.T, m *Manifest) {
			for _, tg := range targets(f.env(""), m) {
				tg.Deployment.Spec.Template.Spec.TerminationGracePeriodSeconds = nil
				setEnv(tg.Container, "SHUTDOWN_TIMEOUT_MS", "40000")
			}
		}},
		{"root allowed", "base", "security", "container service: runAsNonRoot must be true", func(t *testing.T, m *Manifest) {
			for _, tg := range targets(f.env(""), m) {
				tg.Deployment.Spec.Template.Spec.SecurityContext.RunAsNonRoot = new(false)
			}
		}},
		{"uid 0", "base", "security", "rtip-ts container service: runAsUser must be a non-zero uid", func(t *testing.T, m *Manifest) {
			svcContainer(t, m, "rtip-ts").SecurityContext.RunAsUser = new(int64(0))
		}},
		{"privilege escalation", "base", "security", "allowPrivilegeEscalation must be false", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) { c.SecurityContext.AllowPrivilegeEscalation = new(true) })
		}},
		{"a writable root", "base", "security", "readOnlyRootFilesystem must be true", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) { c.SecurityContext.ReadOnlyRootFilesystem = new(false) })
		}},
		{"capabilities kept", "base", "security", "capabilities must drop ALL", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) { c.SecurityContext.Capabilities = nil })
		}},
		{"no /tmp under a read-only root", "base", "security", "a read-only root needs an emptyDir at /tmp", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) { c.VolumeMounts = nil })
		}},
		{"an API token in the pods", "base", "security", "automountServiceAccountToken must be false", func(t *testing.T, m *Manifest) {
			for _, tg := range targets(f.env(""), m) {
				tg.Deployment.Spec.Template.Spec.AutomountServiceAccountToken = nil
			}
		}},
		{"a runner as root", "bench", "security", "TestRun rtip-load-go runner: runAsUser must be a non-zero uid", func(t *testing.T, m *Manifest) {
			m.TestRuns[0].Spec.Runner.SecurityContext.RunAsUser = new(int64(0))
		}},
		{"a misspelt setting", "base", "env-names", "env CONCURENCY is neither a contract setting", func(t *testing.T, m *Manifest) {
			allTargets(m, func(c *corev1.Container) { setEnv(c, "CONCURENCY", "2") })
		}},
		{"scaling on memory", "base", "autoscaling", "must scale on CPU utilization", func(t *testing.T, m *Manifest) {
			for _, h := range m.HPAs {
				h.Spec.Metrics[0].Resource.Name = corev1.ResourceMemory
			}
		}},
		{"min above max", "bench", "autoscaling", "need 1 <= minReplicas <= maxReplicas", func(t *testing.T, m *Manifest) {
			for _, h := range m.HPAs {
				h.Spec.MinReplicas = new(int32(3))
			}
		}},
		{"an object in another namespace", "bench", "namespace", "objects are spread over namespaces [default rtip-bench]", func(t *testing.T, m *Manifest) {
			m.Objects[1].Namespace = "default"
		}},
		{"a TestRun missing", "bench", "load", "target ts: 0 TestRuns", func(t *testing.T, m *Manifest) {
			m.TestRuns = slices.DeleteFunc(m.TestRuns, func(tr *TestRun) bool { return tr.Name == "rtip-load-ts" })
		}},
		{"load on the wrong port", "bench", "load", `TARGET_URL "http://rtip-go:8081" is not Service rtip-go`, func(t *testing.T, m *Manifest) {
			for _, tr := range m.TestRuns {
				if tr.Name == "rtip-load-go" {
					setRunnerEnv(tr, "TARGET_URL", "http://rtip-go:8081")
				}
			}
		}},
		{"lib/ not restored", "bench", "load", "script file lib/config.js: volume scripts maps no key to lib/config.js", func(t *testing.T, m *Manifest) {
			for _, tr := range m.TestRuns {
				for i := range tr.Spec.Runner.Volumes {
					if v := tr.Spec.Runner.Volumes[i].ConfigMap; v != nil && v.Name == "rtip-k6-scripts" {
						v.Items = slices.DeleteFunc(v.Items, func(it corev1.KeyToPath) bool { return it.Path == "lib/config.js" })
					}
				}
			}
		}},
		{"a script that is not the harness's", "bench", "load", "script file process.js differs from bench/k6/process.js", func(t *testing.T, m *Manifest) {
			find(t, m.ConfigMaps, func(c *corev1.ConfigMap) string { return c.Name }, "rtip-k6-scripts").Data["process.js"] += "\n// edited\n"
		}},
		{"another image than the fixture", "bench", "load", "is not packages/contract/fixtures/photo-hd.jpg byte for byte", func(t *testing.T, m *Manifest) {
			cm := find(t, m.ConfigMaps, func(c *corev1.ConfigMap) string { return c.Name }, "rtip-k6-image")
			cm.BinaryData["photo-hd.jpg"] = cm.BinaryData["photo-hd.jpg"][:1000]
		}},
		{"an image too large for a ConfigMap", "bench", "load", "ConfigMap rtip-k6-image holds", func(t *testing.T, m *Manifest) {
			cm := find(t, m.ConfigMaps, func(c *corev1.ConfigMap) string { return c.Name }, "rtip-k6-image")
			cm.BinaryData["photo-12mp.jpg"] = make([]byte, 2<<20)
		}},
		{"runners overwriting each other's summary", "bench", "load", "must contain $(RUN_ID) and $(POD_NAME)", func(t *testing.T, m *Manifest) {
			setRunnerEnv(m.TestRuns[0], "SUMMARY_PATH", "/results/$(RUN_ID)-summary.json")
		}},
		{"a reference before its definition", "bench", "load", "env SUMMARY_PATH refers to $(POD_NAME) before it is defined", func(t *testing.T, m *Manifest) {
			r := &m.TestRuns[0].Spec.Runner
			i := slices.IndexFunc(r.Env, func(e corev1.EnvVar) bool { return e.Name == "POD_NAME" })
			pod := r.Env[i]
			r.Env = append(slices.Delete(r.Env, i, i+1), pod)
		}},
		{"results on a volume that dies with the runner", "bench", "load", "is not on a PersistentVolumeClaim", func(t *testing.T, m *Manifest) {
			r := &m.TestRuns[0].Spec.Runner
			for i := range r.Volumes {
				if r.Volumes[i].Name == "results" {
					r.Volumes[i].VolumeSource = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
				}
			}
		}},
		{"no per-request samples", "bench", "load", "no --out csv=", func(t *testing.T, m *Manifest) {
			m.TestRuns[0].Spec.Args = nil
		}},
		{"an env variable the script does not read", "bench", "load", "env RATE_PER_RUNNER is not read by bench/k6/lib/config.js", func(t *testing.T, m *Manifest) {
			setRunnerEnv(m.TestRuns[0], "RATE_PER_RUNNER", "10")
		}},
		{"an operation the harness does not define", "bench", "load", `QUERY "grayscale=false" is not an op of bench/scenarios.json`, func(t *testing.T, m *Manifest) {
			setRunnerEnv(m.TestRuns[0], "QUERY", "grayscale=false")
		}},
		{"the results volume nobody reads", "bench", "load", "no Deployment mounts rtip-k6-results", func(t *testing.T, m *Manifest) {
			m.Deployments = slices.DeleteFunc(m.Deployments, func(d *appsv1.Deployment) bool { return d.Name == "rtip-k6-results" })
		}},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.check] = true
		t.Run(tc.check+"/"+tc.name, func(t *testing.T) {
			ov := map[string]string{"base": "base", "bench": "overlays/bench", "prod": "overlays/prod"}[tc.overlay]
			m := f.decode(t, ov)
			tc.mutate(t, m)
			check := Checks[slices.IndexFunc(Checks, func(c Check) bool { return c.Name == tc.check })]
			err := check.Run(f.env(ov), m)
			if err == nil {
				t.Fatalf("check %s passed a broken copy", tc.check)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("check %s said:\n%v\nwant it to contain %q", tc.check, err, tc.want)
			}
			if all := RunChecks(f.env(ov), m); all == nil || !strings.Contains(all.Error(), tc.check+": ") {
				t.Fatalf("RunChecks must report %s, got %v", tc.check, all)
			}
		})
	}
	for _, c := range Checks {
		if !seen[c.Name] {
			t.Errorf("check %s has no broken copy proving it fails", c.Name)
		}
	}
}

func setRunnerEnv(tr *TestRun, name, value string) {
	r := &tr.Spec.Runner
	for i := range r.Env {
		if r.Env[i].Name == name {
			r.Env[i] = corev1.EnvVar{Name: name, Value: value}
			return
		}
	}
	r.Env = append(r.Env, corev1.EnvVar{Name: name, Value: value})
}

// setPath sets a value deep in an unstructured object, creating maps on the way.
func setPath(t *testing.T, m map[string]any, value any, path ...string) {
	t.Helper()
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
}

// Decoding is strict, as kubectl's default server-side field validation: unknown fields, wrong types and kinds
// without a Go type are errors, and metadata is validated as the API server does.
func TestDecodingIsStrict(t *testing.T) {
	f := setup(t)
	cases := []struct {
		name, want string
		mutate     func(t *testing.T, objs []*Object)
	}{
		{"an unknown Deployment field", `unknown field "spec.template.spec.containers[0].cpuLimit"`, func(t *testing.T, objs []*Object) {
			d := findObject(t, objs, "Deployment", "rtip-go")
			c := d.Map["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0]
			c.(map[string]any)["cpuLimit"] = "2"
		}},
		{"a quantity that is not one", "quantities must match the regular expression", func(t *testing.T, objs []*Object) {
			d := findObject(t, objs, "Deployment", "rtip-ts")
			c := d.Map["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0]
			setPath(t, c.(map[string]any), "two", "resources", "limits", "cpu")
		}},
		{"a Service name that is no DNS label", "metadata.name: Invalid value: \"rtip.go\"", func(t *testing.T, objs []*Object) {
			setPath(t, findObject(t, objs, "Service", "rtip-go").Map, "rtip.go", "metadata", "name")
		}},
		{"a kind nothing checks", "no Go type for networking.k8s.io/v1 Ingress", func(t *testing.T, objs []*Object) {
			objs[0].APIVersion, objs[0].Kind = "networking.k8s.io/v1", "Ingress"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := copyObjects(t, f.rendered["overlays/bench"])
			tc.mutate(t, objs)
			_, err := Decode(objs, f.schema)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}

func findObject(t *testing.T, objs []*Object, kind, name string) *Object {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind && o.Name == name {
			return o
		}
	}
	t.Fatalf("%s/%s not rendered", kind, name)
	return nil
}

// The TestRuns are validated against the k6-operator v1.6.0 CRD's openAPIV3Schema with the API server's code.
func TestTestRunAgainstTheCRD(t *testing.T) {
	f := setup(t)
	if f.schema.Group != "k6.io" || f.schema.Version != "v1alpha1" || f.schema.Kind != "TestRun" {
		t.Fatalf("the vendored CRD is %s/%s %s", f.schema.Group, f.schema.Version, f.schema.Kind)
	}
	runner := func(tr map[string]any) map[string]any {
		return tr["spec"].(map[string]any)["runner"].(map[string]any)
	}
	cases := []struct {
		name, want string
		mutate     func(tr map[string]any)
	}{
		{"an unknown spec field", `unknown field "spec.runners"`, func(tr map[string]any) {
			tr["spec"].(map[string]any)["runners"] = int64(4)
		}},
		{"an unknown field deep in the runner", `unknown field "spec.runner.volumes[0].configMap.itemz"`, func(tr map[string]any) {
			v := runner(tr)["volumes"].([]any)[0].(map[string]any)["configMap"].(map[string]any)
			v["itemz"] = v["items"]
		}},
		{"parallelism as text", "spec.parallelism: Invalid value: \"string\"", func(tr map[string]any) {
			tr["spec"].(map[string]any)["parallelism"] = "4"
		}},
		{"no script", "spec.script: Required value", func(tr map[string]any) {
			delete(tr["spec"].(map[string]any), "script")
		}},
		{"a cleanup mode the operator lacks", `spec.cleanup: Unsupported value: "always"`, func(tr map[string]any) {
			tr["spec"].(map[string]any)["cleanup"] = "always"
		}},
		{"a list-map key twice", `spec.runner.resources.claims[1]: Duplicate value: {"name":"gpu"}`, func(tr map[string]any) {
			claim := map[string]any{"name": "gpu"}
			runner(tr)["resources"].(map[string]any)["claims"] = []any{claim, claim}
		}},
		{"a bool where the operator takes a string", `spec.runner.automountServiceAccountToken: Invalid value: "boolean"`, func(tr map[string]any) {
			runner(tr)["automountServiceAccountToken"] = false
		}},
	}
	for _, o := range f.rendered["overlays/bench"] {
		if o.Kind != "TestRun" {
			continue
		}
		if err := f.schema.Validate(o.Map); err != nil {
			t.Fatalf("%s: %v", o.Name, err)
		}
		for _, tc := range cases {
			t.Run(o.Name+"/"+tc.name, func(t *testing.T) {
				m, err := deepCopyJSON(o.Map)
				if err != nil {
					t.Fatal(err)
				}
				tc.mutate(m)
				err = f.schema.Validate(m)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("want an error containing %q, got %v", tc.want, err)
				}
			})
		}
	}
}

// The vendored CRD is the file its provenance note names (a silent edit would change what "validated" means).
func TestVendoredCRDMatchesItsProvenance(t *testing.T) {
	f := setup(t)
	note, err := os.ReadFile(filepath.Join(f.root, K8sDir, "testdata", "k6-operator", "PROVENANCE.md"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := sha256File(filepath.Join(f.root, K8sDir, TestRunCRDPath))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(note), sum) {
		t.Fatalf("PROVENANCE.md does not name sha256 %s of %s", sum, TestRunCRDPath)
	}
}

func sha256File(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%x", sha256.Sum256(raw)), nil
}
