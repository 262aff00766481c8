package manifests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// The harness's k6 files, relative to the repository root: the TestRuns must run exactly these.
const (
	K6Dir         = "bench/k6"
	ScenariosPath = "bench/scenarios.json"
	FixturesDir   = "packages/contract/fixtures"
)

// ConfigMapMaxBytes is the API server's limit on one ConfigMap (its data and binaryData together).
const ConfigMapMaxBytes = 1 << 20

// runnerOwnEnv are env variables a runner needs that the k6 script does not read: the per-run file names
// ($(RUN_ID), $(POD_NAME)) and k6's own settings (K6_*).
func runnerOwnEnv(name string) bool {
	return name == "RUN_ID" || name == "POD_NAME" || strings.HasPrefix(name, "K6_")
}

var (
	importPattern   = regexp.MustCompile(`(?m)^\s*import\s+(?:[^'"]*\s+from\s+)?['"](\.{1,2}/[^'"]+)['"]`)
	requiredPattern = regexp.MustCompile(`required\('([A-Z][A-Z0-9_]*)'\)`)
	envReadPattern  = regexp.MustCompile(`(?:num|required)\('([A-Z][A-Z0-9_]*)'|__ENV\.([A-Z][A-Z0-9_]*)|__ENV\[['"]([A-Z][A-Z0-9_]*)['"]\]`)
	varRefPattern   = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
)

// mountedFile finds which volume of the runner serves an absolute path, and the path inside that volume.
func mountedFile(r *TestRunPod, p string) (*corev1.Volume, string, bool) {
	var best *corev1.VolumeMount
	for i := range r.VolumeMounts {
		vm := &r.VolumeMounts[i]
		mp := strings.TrimSuffix(vm.MountPath, "/")
		if strings.HasPrefix(p, mp+"/") && (best == nil || len(mp) > len(strings.TrimSuffix(best.MountPath, "/"))) {
			best = vm
		}
	}
	if best == nil {
		return nil, "", false
	}
	for i := range r.Volumes {
		if r.Volumes[i].Name == best.Name {
			return &r.Volumes[i], strings.TrimPrefix(p, strings.TrimSuffix(best.MountPath, "/")+"/"), true
		}
	}
	return nil, "", false
}

// configMapFile reads a file of a ConfigMap volume as the kubelet lays it out (items map keys to paths).
func configMapFile(m *Manifest, v *corev1.Volume, rel string) ([]byte, error) {
	if v.ConfigMap == nil {
		return nil, fmt.Errorf("volume %s is not a ConfigMap", v.Name)
	}
	var cm *corev1.ConfigMap
	for _, c := range m.ConfigMaps {
		if c.Name == v.ConfigMap.Name {
			cm = c
		}
	}
	if cm == nil {
		return nil, fmt.Errorf("ConfigMap %s (volume %s) is not in the manifest", v.ConfigMap.Name, v.Name)
	}
	key := rel
	if len(v.ConfigMap.Items) > 0 {
		key = ""
		for _, it := range v.ConfigMap.Items {
			if path.Clean(it.Path) == rel {
				key = it.Key
			}
		}
		if key == "" {
			return nil, fmt.Errorf("volume %s maps no key to %s", v.Name, rel)
		}
	}
	if s, ok := cm.Data[key]; ok {
		return []byte(s), nil
	}
	if b, ok := cm.BinaryData[key]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("ConfigMap %s has no key %s", cm.Name, key)
}

// checkLoad: the bench overlay's k6-operator TestRuns load each target through its Service with the harness's
// own script and image, split over runners that write their results where they can be collected.
func checkLoad(env *Env, m *Manifest) error {
	if len(m.TestRuns) == 0 && !env.RequireLoad {
		return nil
	}
	var errs []error
	byTarget := map[string][]*TestRun{}
	for _, tr := range m.TestRuns {
		byTarget[tr.Labels[InstanceLabel]] = append(byTarget[tr.Labels[InstanceLabel]], tr)
	}
	for _, t := range env.Contract.Targets() {
		if len(byTarget[t]) != 1 {
			errs = append(errs, fmt.Errorf("target %s: %d TestRuns labelled %s=%s, want 1", t, len(byTarget[t]), InstanceLabel, t))
		}
	}
	for _, cm := range m.ConfigMaps {
		size := 0
		for k, v := range cm.Data {
			size += len(k) + len(v)
		}
		for k, v := range cm.BinaryData {
			size += len(k) + len(v)
		}
		if size > ConfigMapMaxBytes {
			errs = append(errs, fmt.Errorf("ConfigMap %s holds %d bytes, over the API server's %d", cm.Name, size, ConfigMapMaxBytes))
		}
	}
	scriptEnv, requiredEnv, err := scriptEnvNames(env.RepoRoot)
	if err != nil {
		return err
	}
	queries, images, err := scenarioChoices(env.RepoRoot)
	if err != nil {
		return err
	}
	for _, tr := range m.TestRuns {
		errs = append(errs, checkTestRun(env, m, tr, scriptEnv, requiredEnv, queries, images)...)
	}
	return errors.Join(errs...)
}

func checkTestRun(env *Env, m *Manifest, tr *TestRun, scriptEnv, requiredEnv []string, queries, images []string) []error {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf("TestRun "+tr.Name+": "+format, a...)) }
	s, r := &tr.Spec, &tr.Spec.Runner
	if s.Parallelism < 1 {
		fail("parallelism %d", s.Parallelism)
	}
	// .spec.args (not .spec.arguments): no shell in between, so $(VAR) is the kubelet's expansion, and the
	// operator adds the execution segments itself.
	if s.Arguments != "" {
		fail("use .spec.args, not .spec.arguments")
	}
	for _, a := range s.Args {
		if strings.HasPrefix(a, "--execution-segment") {
			fail("%s: the operator splits the load itself", a)
		}
	}
	if s.Script.LocalFile == "" {
		fail("script.localFile must name the script in the runner's scripts volume (a script ConfigMap is mounted flat, which breaks process.js' lib/ imports)")
		return errs
	}

	// Env: literal values the script reads, references only to variables defined before (the kubelet's rule).
	defined := map[string]bool{}
	for _, e := range r.Env {
		for _, ref := range varRefPattern.FindAllStringSubmatch(e.Value, -1) {
			if !defined[ref[1]] {
				fail("env %s refers to $(%s) before it is defined", e.Name, ref[1])
			}
		}
		defined[e.Name] = true
		if !slices.Contains(scriptEnv, e.Name) && !runnerOwnEnv(e.Name) {
			fail("env %s is not read by %s/lib/config.js", e.Name, K6Dir)
		}
	}
	for _, name := range requiredEnv {
		if v, ok := r.EnvValue(name); !ok || v == "" {
			fail("env %s is required by %s/lib/config.js", name, K6Dir)
		}
	}
	for _, name := range []string{"RATE", "TIMEOUT_S", "SLO_P99_MS"} {
		if v, ok := r.EnvValue(name); !ok {
			fail("env %s must be set (the harness always sets it)", name)
		} else if f, err := strconv.ParseFloat(v, 64); err != nil || f <= 0 {
			fail("env %s=%q is not a positive number", name, v)
		}
	}
	if q, _ := r.EnvValue("QUERY"); !slices.Contains(queries, q) {
		fail("QUERY %q is not an op of %s", q, ScenariosPath)
	}
	if n, _ := r.EnvValue("IMAGE_NAME"); !slices.Contains(images, n) {
		fail("IMAGE_NAME %q is not an image of %s", n, ScenariosPath)
	}
	for _, a := range s.Args {
		for _, ref := range varRefPattern.FindAllStringSubmatch(a, -1) {
			if !defined[ref[1]] {
				fail("argument %q refers to $(%s), which the runner's env does not define", a, ref[1])
			}
		}
	}

	// The target: its Service by name and port, in the TestRun's namespace.
	t := tr.Labels[InstanceLabel]
	url, _ := r.EnvValue("TARGET_URL")
	var svc *corev1.Service
	for _, x := range m.Services {
		if x.Labels[InstanceLabel] == t && x.Labels[NameLabel] == AppName {
			svc = x
		}
	}
	if svc == nil {
		fail("no Service of target %s to load", t)
	} else if len(svc.Spec.Ports) == 0 || url != fmt.Sprintf("http://%s:%d", svc.Name, svc.Spec.Ports[0].Port) {
		fail("TARGET_URL %q is not Service %s of target %s", url, svc.Name, t)
	}

	// The script and every file it imports, as the runner sees them, equal to the harness's files.
	errs = append(errs, checkScriptFiles(env, m, tr, s.Script.LocalFile)...)

	// The image it sends, equal to the contract's fixture.
	if p, _ := r.EnvValue("IMAGE_PATH"); p == "" {
		fail("IMAGE_PATH is not set")
	} else if v, rel, ok := mountedFile(r, p); !ok {
		fail("IMAGE_PATH %s is on no volume of the runner", p)
	} else if got, err := configMapFile(m, v, rel); err != nil {
		fail("IMAGE_PATH %s: %v", p, err)
	} else {
		name, _ := r.EnvValue("IMAGE_NAME")
		want, err := os.ReadFile(filepath.Join(env.RepoRoot, FixturesDir, name))
		if err != nil || !bytes.Equal(got, want) {
			fail("IMAGE_PATH %s is not %s/%s byte for byte", p, FixturesDir, name)
		}
		if path.Base(p) != name {
			fail("IMAGE_PATH %s and IMAGE_NAME %s name different files", p, name)
		}
	}

	// Results: each runner's summary and CSV on the shared results volume, under names no other runner uses.
	summary, _ := r.EnvValue("SUMMARY_PATH")
	csv := ""
	for i, a := range s.Args {
		if (a == "--out" || a == "-o") && i+1 < len(s.Args) && strings.HasPrefix(s.Args[i+1], "csv=") {
			csv = strings.TrimPrefix(s.Args[i+1], "csv=")
		}
	}
	if csv == "" {
		fail("no --out csv=…: the merge needs every runner's per-request samples (k6 summaries' percentiles cannot be combined)")
	}
	var claim string
	for _, p := range []struct{ what, file string }{{"SUMMARY_PATH", summary}, {"--out csv", csv}} {
		if p.file == "" {
			continue
		}
		if !strings.Contains(p.file, "$(POD_NAME)") || !strings.Contains(p.file, "$(RUN_ID)") {
			fail("%s %s must contain $(RUN_ID) and $(POD_NAME): runners and runs would overwrite each other", p.what, p.file)
		}
		v, _, ok := mountedFile(r, p.file)
		switch {
		case !ok:
			fail("%s %s is on no volume of the runner", p.what, p.file)
		case v.PersistentVolumeClaim == nil:
			fail("%s %s is not on a PersistentVolumeClaim: a finished runner's files could not be read back", p.what, p.file)
		default:
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	if claim != "" {
		errs = append(errs, checkResultsReader(m, tr, claim)...)
	}
	return errs
}

// checkResultsReader: the claim exists and a running pod mounts it, to hand the files back.
func checkResultsReader(m *Manifest, tr *TestRun, claim string) []error {
	var errs []error
	if !slices.ContainsFunc(m.PVCs, func(p *corev1.PersistentVolumeClaim) bool { return p.Name == claim }) {
		errs = append(errs, fmt.Errorf("TestRun %s: PersistentVolumeClaim %s is not in the manifest", tr.Name, claim))
	}
	found := false
	for _, d := range m.Deployments {
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim {
				found = true
			}
		}
	}
	if !found {
		errs = append(errs, fmt.Errorf("TestRun %s: no Deployment mounts %s to hand the results back", tr.Name, claim))
	}
	return errs
}

func checkScriptFiles(env *Env, m *Manifest, tr *TestRun, entry string) []error {
	var errs []error
	r := &tr.Spec.Runner
	v, rel, ok := mountedFile(r, entry)
	if !ok {
		return []error{fmt.Errorf("TestRun %s: script %s is on no volume of the runner", tr.Name, entry)}
	}
	seen := map[string]bool{}
	queue := []string{rel}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		if seen[f] {
			continue
		}
		seen[f] = true
		got, err := configMapFile(m, v, f)
		if err != nil {
			errs = append(errs, fmt.Errorf("TestRun %s: script file %s: %w", tr.Name, f, err))
			continue
		}
		want, err := os.ReadFile(filepath.Join(env.RepoRoot, K6Dir, filepath.FromSlash(f)))
		if err != nil {
			errs = append(errs, fmt.Errorf("TestRun %s: %s has no %s: %w", tr.Name, K6Dir, f, err))
			continue
		}
		if !bytes.Equal(got, want) {
			errs = append(errs, fmt.Errorf("TestRun %s: script file %s differs from %s/%s", tr.Name, f, K6Dir, f))
		}
		for _, imp := range importPattern.FindAllStringSubmatch(string(want), -1) {
			queue = append(queue, path.Join(path.Dir(f), imp[1]))
		}
	}
	return errs
}

// scriptEnvNames reads which env variables bench/k6/lib/config.js takes, and which of them it requires.
func scriptEnvNames(repoRoot string) (read, required []string, err error) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, K6Dir, "lib", "config.js"))
	if err != nil {
		return nil, nil, err
	}
	for _, m := range envReadPattern.FindAllStringSubmatch(string(raw), -1) {
		for _, g := range m[1:] {
			if g != "" && !slices.Contains(read, g) {
				read = append(read, g)
			}
		}
	}
	for _, m := range requiredPattern.FindAllStringSubmatch(string(raw), -1) {
		required = append(required, m[1])
	}
	if len(read) == 0 {
		return nil, nil, fmt.Errorf("%s/lib/config.js reads no env variable that this check recognises", K6Dir)
	}
	return read, required, nil
}

// scenarioChoices are the queries and fixture names bench/scenarios.json offers.
func scenarioChoices(repoRoot string) (queries, images []string, err error) {
	sc, err := LoadScenarios(repoRoot)
	if err != nil {
		return nil, nil, err
	}
	for _, op := range sc.Ops {
		queries = append(queries, op.Query)
	}
	for _, im := range sc.Images {
		images = append(images, im.Fixture)
	}
	return queries, images, nil
}

// Scenarios is the part of bench/scenarios.json a cluster run uses.
type Scenarios struct {
	Images map[string]struct {
		Fixture string `json:"fixture"`
	} `json:"images"`
	Ops map[string]struct {
		Query string `json:"query"`
	} `json:"ops"`
	SloP99Ms        float64 `json:"sloP99Ms"`
	RequestTimeoutS float64 `json:"requestTimeoutS"`
}

// LoadScenarios reads bench/scenarios.json.
func LoadScenarios(repoRoot string) (*Scenarios, error) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, ScenariosPath))
	if err != nil {
		return nil, err
	}
	var s Scenarios
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", ScenariosPath, err)
	}
	return &s, nil
}
