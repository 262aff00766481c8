package manifests

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Labels that tie the objects together: every target's objects carry NameLabel=rtip, and InstanceLabel says
// which implementation of the contract they serve (it is in their selectors).
const (
	NameLabel     = "app.kubernetes.io/name"
	InstanceLabel = "app.kubernetes.io/instance"
	AppName       = "rtip"
	// ServiceContainer is the name of the container that runs the service in every target's pod.
	ServiceContainer = "service"
)

// RuntimeThreadEnv are the env variables that are not the contract's but size a runtime's threads; they must
// follow the CPU count like CONCURRENCY (Go's scheduler, libuv's threadpool that sharp runs images on).
var RuntimeThreadEnv = []string{"GOMAXPROCS", "UV_THREADPOOL_SIZE"}

// Env is what the checks compare the manifests with.
type Env struct {
	Contract *Contract
	RepoRoot string
	// RequireLoad: the manifest must carry a k6-operator TestRun for every target (the bench overlay).
	RequireLoad bool
}

// Check is one property of a rendered kustomization.
type Check struct {
	Name string
	Run  func(*Env, *Manifest) error
}

// Checks are run on every overlay, in this order.
var Checks = []Check{
	{"targets", checkTargets},
	{"guaranteed", checkGuaranteed},
	{"parallelism-env", checkParallelismEnv},
	{"same-everywhere", checkSameEverywhere},
	{"probes", checkProbes},
	{"ports", checkPorts},
	{"shutdown", checkShutdown},
	{"security", checkSecurity},
	{"env-names", checkEnvNames},
	{"autoscaling", checkAutoscaling},
	{"namespace", checkNamespace},
	{"load", checkLoad},
}

// RunChecks runs every check; each failure is prefixed with its check's name.
func RunChecks(env *Env, m *Manifest) error {
	var errs []error
	for _, c := range Checks {
		if err := c.Run(env, m); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Target is one implementation's objects.
type Target struct {
	Name       string
	Deployment *appsv1.Deployment
	Container  *corev1.Container
}

// targets returns the Deployments of the contract's targets, in the contract's order; missing ones are skipped
// (checkTargets reports them).
func targets(env *Env, m *Manifest) []Target {
	var out []Target
	for _, t := range env.Contract.Targets() {
		for _, d := range m.Deployments {
			if d.Labels[NameLabel] == AppName && d.Labels[InstanceLabel] == t {
				out = append(out, Target{Name: t, Deployment: d, Container: container(&d.Spec.Template.Spec, ServiceContainer)})
			}
		}
	}
	return out
}

func container(spec *corev1.PodSpec, name string) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == name {
			return &spec.Containers[i]
		}
	}
	return nil
}

func envVar(c *corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

func selects(sel *metav1.LabelSelector, podLabels map[string]string) (bool, error) {
	if sel == nil {
		return false, errors.New("no selector")
	}
	if errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("selector")); len(errs) > 0 {
		return false, errs.ToAggregate()
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false, err
	}
	if s.Empty() {
		return false, errors.New("empty selector (it would select every pod)")
	}
	return s.Matches(labels.Set(podLabels)), nil
}

// checkTargets: every implementation in the contract has a Deployment, Service, HorizontalPodAutoscaler and
// PodDisruptionBudget, wired to its own pods and to no other target's.
func checkTargets(env *Env, m *Manifest) error {
	var errs []error
	podLabels := map[string]map[string]string{}
	for _, t := range env.Contract.Targets() {
		var found []*appsv1.Deployment
		for _, d := range m.Deployments {
			if d.Labels[NameLabel] == AppName && d.Labels[InstanceLabel] == t {
				found = append(found, d)
			}
		}
		if len(found) != 1 {
			errs = append(errs, fmt.Errorf("target %s: %d Deployments labelled %s=%s, want 1", t, len(found), InstanceLabel, t))
			continue
		}
		d := found[0]
		podLabels[t] = d.Spec.Template.Labels
		if container(&d.Spec.Template.Spec, ServiceContainer) == nil {
			errs = append(errs, fmt.Errorf("%s: no container named %q", d.Name, ServiceContainer))
		}
	}
	for _, d := range m.Deployments {
		if d.Labels[NameLabel] == AppName {
			if _, ok := env.Contract.Ports[d.Labels[InstanceLabel]]; !ok {
				errs = append(errs, fmt.Errorf("Deployment %s: %s=%q is not an implementation in the contract", d.Name, InstanceLabel, d.Labels[InstanceLabel]))
			}
		}
	}
	// Each selector must pick its own target's pods and none of the others'.
	selectsOnly := func(what string, sel *metav1.LabelSelector, t string) {
		for other, ls := range podLabels {
			ok, err := selects(sel, ls)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", what, err))
				return
			}
			if ok != (other == t) {
				verb := map[bool]string{true: "selects", false: "does not select"}[ok]
				errs = append(errs, fmt.Errorf("%s %s the pods of target %s", what, verb, other))
			}
		}
	}
	for _, t := range env.Contract.Targets() {
		if podLabels[t] == nil {
			continue
		}
		for _, d := range m.Deployments {
			if d.Labels[InstanceLabel] == t && d.Labels[NameLabel] == AppName {
				selectsOnly("Deployment "+d.Name+" selector", d.Spec.Selector, t)
			}
		}
		count := 0
		for _, s := range m.Services {
			if s.Labels[InstanceLabel] == t {
				count++
				selectsOnly("Service "+s.Name+" selector", &metav1.LabelSelector{MatchLabels: s.Spec.Selector}, t)
			}
		}
		if count != 1 {
			errs = append(errs, fmt.Errorf("target %s: %d Services, want 1", t, count))
		}
		count = 0
		for _, p := range m.PDBs {
			if p.Labels[InstanceLabel] == t {
				count++
				selectsOnly("PodDisruptionBudget "+p.Name+" selector", p.Spec.Selector, t)
			}
		}
		if count != 1 {
			errs = append(errs, fmt.Errorf("target %s: %d PodDisruptionBudgets, want 1", t, count))
		}
		count = 0
		for _, h := range m.HPAs {
			if h.Labels[InstanceLabel] != t {
				continue
			}
			count++
			ref := h.Spec.ScaleTargetRef
			var d *appsv1.Deployment
			for _, x := range m.Deployments {
				if x.Name == ref.Name && x.Labels[InstanceLabel] == t {
					d = x
				}
			}
			if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || d == nil {
				errs = append(errs, fmt.Errorf("HorizontalPodAutoscaler %s scales %s %s %q, not target %s's Deployment", h.Name, ref.APIVersion, ref.Kind, ref.Name, t))
			}
		}
		if count != 1 {
			errs = append(errs, fmt.Errorf("target %s: %d HorizontalPodAutoscalers, want 1", t, count))
		}
	}
	return errors.Join(errs...)
}

// guaranteed: requests = limits for CPU and memory in every container, which is what gives a pod the
// Guaranteed QoS class.
func guaranteed(what string, r corev1.ResourceRequirements) error {
	var errs []error
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okr := r.Requests[name]
		lim, okl := r.Limits[name]
		switch {
		case !okr || !okl:
			errs = append(errs, fmt.Errorf("%s: %s request and limit must both be set", what, name))
		case req.Cmp(lim) != 0:
			errs = append(errs, fmt.Errorf("%s: %s request %s != limit %s (not Guaranteed QoS)", what, name, req.String(), lim.String()))
		}
	}
	return errors.Join(errs...)
}

func wholeCPUs(what string, r corev1.ResourceRequirements) (int64, error) {
	q := r.Limits[corev1.ResourceCPU]
	if q.MilliValue() < 1000 || q.MilliValue()%1000 != 0 {
		return 0, fmt.Errorf("%s: CPU %s is not a whole number of CPUs (CONCURRENCY and the comparison per core need one)", what, q.String())
	}
	return q.MilliValue() / 1000, nil
}

func checkGuaranteed(env *Env, m *Manifest) error {
	var errs []error
	for _, d := range m.Deployments {
		spec := &d.Spec.Template.Spec
		for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
			if err := guaranteed("Deployment "+d.Name+" container "+c.Name, c.Resources); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, t := range targets(env, m) {
		if t.Container != nil {
			if _, err := wholeCPUs("Deployment "+t.Deployment.Name, t.Container.Resources); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, tr := range m.TestRuns {
		what := "TestRun " + tr.Name + " runner"
		if err := guaranteed(what, tr.Spec.Runner.Resources); err != nil {
			errs = append(errs, err)
		} else if _, err := wholeCPUs(what, tr.Spec.Runner.Resources); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkParallelismEnv: CONCURRENCY and the runtimes' thread counts equal the container's whole CPUs, through the
// downward API (so a CPU change moves them) or as the same literal number.
func checkParallelismEnv(env *Env, m *Manifest) error {
	var errs []error
	for _, t := range targets(env, m) {
		if t.Container == nil {
			continue
		}
		cpus, err := wholeCPUs(t.Deployment.Name, t.Container.Resources)
		if err != nil {
			continue // checkGuaranteed reports it
		}
		for _, name := range append([]string{"CONCURRENCY"}, RuntimeThreadEnv...) {
			e := envVar(t.Container, name)
			switch {
			case e == nil:
				errs = append(errs, fmt.Errorf("%s: %s is not set", t.Deployment.Name, name))
			case e.ValueFrom != nil:
				ref := e.ValueFrom.ResourceFieldRef
				one := resource.MustParse("1")
				if ref == nil || ref.Resource != "limits.cpu" || (ref.ContainerName != "" && ref.ContainerName != t.Container.Name) ||
					(!ref.Divisor.IsZero() && ref.Divisor.Cmp(one) != 0) {
					errs = append(errs, fmt.Errorf("%s: %s must come from this container's limits.cpu with divisor 1", t.Deployment.Name, name))
				}
			case e.Value != strconv.FormatInt(cpus, 10):
				errs = append(errs, fmt.Errorf("%s: %s=%q but the container has %d CPUs", t.Deployment.Name, name, e.Value, cpus))
			}
		}
	}
	return errors.Join(errs...)
}

// normalized is a target's objects with what may differ between targets (names, the instance label, image,
// port, the image's user) blanked out: what is left must be identical for every target.
func normalized(m *Manifest, t Target) (map[string]any, error) {
	d := t.Deployment.DeepCopy()
	ds := &d.Spec
	delete(ds.Selector.MatchLabels, InstanceLabel)
	delete(ds.Template.Labels, InstanceLabel)
	delete(ds.Template.Annotations, "prometheus.io/port")
	if sc := ds.Template.Spec.SecurityContext; sc != nil {
		sc.RunAsUser, sc.RunAsGroup = nil, nil
	}
	for i := range ds.Template.Spec.Containers {
		c := &ds.Template.Spec.Containers[i]
		c.Image = ""
		c.Ports = nil
		c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "PORT" })
	}
	out := map[string]any{"deployment": ds}
	for _, s := range m.Services {
		if s.Labels[InstanceLabel] == t.Name {
			spec := s.Spec.DeepCopy()
			delete(spec.Selector, InstanceLabel)
			for i := range spec.Ports {
				spec.Ports[i].Port = 0
			}
			out["service"] = spec
		}
	}
	for _, h := range m.HPAs {
		if h.Labels[InstanceLabel] == t.Name {
			spec := h.Spec.DeepCopy()
			spec.ScaleTargetRef.Name = ""
			out["autoscaler"] = spec
		}
	}
	for _, p := range m.PDBs {
		if p.Labels[InstanceLabel] == t.Name && p.Spec.Selector != nil {
			spec := p.Spec.DeepCopy()
			delete(spec.Selector.MatchLabels, InstanceLabel)
			out["disruptionBudget"] = spec
		}
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	var generic map[string]any
	err = json.Unmarshal(raw, &generic)
	return generic, err
}

// checkSameEverywhere: every target runs with the same resources, env, probes, shutdown, security, scaling and
// disruption settings; only names, image, port and the image's own user differ.
func checkSameEverywhere(env *Env, m *Manifest) error {
	ts := targets(env, m)
	if len(ts) < 2 {
		return nil
	}
	first, err := normalized(m, ts[0])
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range ts[1:] {
		n, err := normalized(m, t)
		if err != nil {
			return err
		}
		if path, a, b := firstDifference("", first, n); path != "" {
			errs = append(errs, fmt.Errorf("target %s differs from %s at %s: %s vs %s", t.Name, ts[0].Name, path, b, a))
		}
	}
	return errors.Join(errs...)
}

// firstDifference walks two JSON values and names the first path where they differ.
func firstDifference(path string, a, b any) (string, string, string) {
	show := func(v any) string {
		raw, _ := json.Marshal(v)
		return string(raw)
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := slices.Sorted(maps.Keys(am))
		for k := range bm {
			if _, ok := am[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, x, y := firstDifference(path+"."+k, am[k], bm[k]); p != "" {
				return p, x, y
			}
		}
		return "", "", ""
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		for i := range al {
			if p, x, y := firstDifference(fmt.Sprintf("%s[%d]", path, i), al[i], bl[i]); p != "" {
				return p, x, y
			}
		}
		return "", "", ""
	}
	if !reflect.DeepEqual(a, b) {
		return path, show(a), show(b)
	}
	return "", "", ""
}

// containerPort resolves a probe's or a Service's port (a number or a container port's name) to a number.
func containerPort(c *corev1.Container, p intstr.IntOrString) (int32, bool) {
	if p.Type == intstr.Int {
		return p.IntVal, true
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort, true
		}
	}
	return 0, false
}

// checkProbes: readiness on the contract's readiness route, liveness on its liveness route, both on the port the
// service listens on.
func checkProbes(env *Env, m *Manifest) error {
	var errs []error
	for _, t := range targets(env, m) {
		if t.Container == nil {
			continue
		}
		port := env.Contract.Ports[t.Name]
		for _, p := range []struct {
			kind  string
			probe *corev1.Probe
			path  string
		}{
			{"readinessProbe", t.Container.ReadinessProbe, env.Contract.ReadinessPath},
			{"livenessProbe", t.Container.LivenessProbe, env.Contract.LivenessPath},
		} {
			what := t.Deployment.Name + " " + p.kind
			if p.probe == nil || p.probe.HTTPGet == nil {
				errs = append(errs, fmt.Errorf("%s: want an HTTP GET of %s", what, p.path))
				continue
			}
			g := p.probe.HTTPGet
			if g.Path != p.path {
				errs = append(errs, fmt.Errorf("%s: path %q, the contract's is %q", what, g.Path, p.path))
			}
			if g.Scheme != "" && g.Scheme != corev1.URISchemeHTTP {
				errs = append(errs, fmt.Errorf("%s: scheme %s, the service speaks plain HTTP", what, g.Scheme))
			}
			if n, ok := containerPort(t.Container, g.Port); !ok || n != port {
				errs = append(errs, fmt.Errorf("%s: port %s is not the service's port %d", what, g.Port.String(), port))
			}
		}
	}
	return errors.Join(errs...)
}

// checkPorts: each target listens on its contract port (PORT), exposes it, its Service forwards to it and the
// Prometheus annotations scrape the contract's metrics route on it.
func checkPorts(env *Env, m *Manifest) error {
	var errs []error
	for _, t := range targets(env, m) {
		if t.Container == nil {
			continue
		}
		name := t.Deployment.Name
		port := env.Contract.Ports[t.Name]
		want := strconv.Itoa(int(port))
		if e := envVar(t.Container, "PORT"); e == nil || e.ValueFrom != nil || e.Value != want {
			errs = append(errs, fmt.Errorf("%s: PORT must be %s, the contract's port of %s", name, want, t.Name))
		}
		if !slices.ContainsFunc(t.Container.Ports, func(p corev1.ContainerPort) bool { return p.ContainerPort == port }) {
			errs = append(errs, fmt.Errorf("%s: container port %d is not declared", name, port))
		}
		for _, s := range m.Services {
			if s.Labels[InstanceLabel] != t.Name {
				continue
			}
			if len(s.Spec.Ports) == 0 {
				errs = append(errs, fmt.Errorf("Service %s has no port", s.Name))
			}
			for _, sp := range s.Spec.Ports {
				tp := sp.TargetPort
				if tp.Type == intstr.Int && tp.IntVal == 0 {
					tp = intstr.FromInt32(sp.Port) // the API's default
				}
				if n, ok := containerPort(t.Container, tp); !ok || n != port {
					errs = append(errs, fmt.Errorf("Service %s port %d forwards to %s, not the service's port %d", s.Name, sp.Port, tp.String(), port))
				}
			}
		}
		a := t.Deployment.Spec.Template.Annotations
		if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != want || a["prometheus.io/path"] != env.Contract.MetricsPath {
			errs = append(errs, fmt.Errorf("%s: the pod's prometheus.io annotations must scrape %s on port %s (got scrape=%q port=%q path=%q)",
				name, env.Contract.MetricsPath, want, a["prometheus.io/scrape"], a["prometheus.io/port"], a["prometheus.io/path"]))
		}
	}
	return errors.Join(errs...)
}

// checkShutdown: the kubelet's grace period outlasts the preStop pause plus the service's own drain
// (SHUTDOWN_TIMEOUT_MS), so a terminating pod finishes every admitted image before it can be killed.
func checkShutdown(env *Env, m *Manifest) error {
	var errs []error
	for _, t := range targets(env, m) {
		if t.Container == nil {
			continue
		}
		name := t.Deployment.Name
		e := envVar(t.Container, "SHUTDOWN_TIMEOUT_MS")
		if e == nil || e.ValueFrom != nil {
			errs = append(errs, fmt.Errorf("%s: SHUTDOWN_TIMEOUT_MS must be set to a literal number", name))
			continue
		}
		ms, err := strconv.ParseInt(e.Value, 10, 64)
		if err != nil || ms < 0 {
			errs = append(errs, fmt.Errorf("%s: SHUTDOWN_TIMEOUT_MS=%q is not a number of milliseconds", name, e.Value))
			continue
		}
		lc := t.Container.Lifecycle
		if lc == nil || lc.PreStop == nil || lc.PreStop.Sleep == nil || lc.PreStop.Sleep.Seconds <= 0 {
			errs = append(errs, fmt.Errorf("%s: a preStop sleep must keep serving while the endpoint removal spreads", name))
			continue
		}
		grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
		if g := t.Deployment.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
			grace = *g
		}
		need := lc.PreStop.Sleep.Seconds + (ms+999)/1000
		if grace <= need {
			errs = append(errs, fmt.Errorf("%s: terminationGracePeriodSeconds %d must exceed preStop %ds + SHUTDOWN_TIMEOUT_MS %dms = %ds",
				name, grace, lc.PreStop.Sleep.Seconds, ms, need))
		}
	}
	return errors.Join(errs...)
}

type podSecurity struct {
	what      string
	pod       *corev1.PodSecurityContext
	container *corev1.SecurityContext
	automount *bool
	// automountString is the operator's string form ("" means its default, true).
	automountString *string
	tmpWritable     bool
}

func (p podSecurity) check() []error {
	var errs []error
	pod, c := p.pod, p.container
	if pod == nil {
		pod = &corev1.PodSecurityContext{}
	}
	if c == nil {
		c = &corev1.SecurityContext{}
	}
	nonRoot, user := pod.RunAsNonRoot, pod.RunAsUser
	if c.RunAsNonRoot != nil {
		nonRoot = c.RunAsNonRoot
	}
	if c.RunAsUser != nil {
		user = c.RunAsUser
	}
	if nonRoot == nil || !*nonRoot {
		errs = append(errs, fmt.Errorf("%s: runAsNonRoot must be true", p.what))
	}
	// A numeric user: the kubelet cannot verify runAsNonRoot against a named USER (the ts image's "node").
	if user == nil || *user == 0 {
		errs = append(errs, fmt.Errorf("%s: runAsUser must be a non-zero uid", p.what))
	}
	if c.AllowPrivilegeEscalation == nil || *c.AllowPrivilegeEscalation {
		errs = append(errs, fmt.Errorf("%s: allowPrivilegeEscalation must be false", p.what))
	}
	if c.Privileged != nil && *c.Privileged {
		errs = append(errs, fmt.Errorf("%s: must not be privileged", p.what))
	}
	if c.Capabilities == nil || !slices.Contains(c.Capabilities.Drop, "ALL") || len(c.Capabilities.Add) > 0 {
		errs = append(errs, fmt.Errorf("%s: capabilities must drop ALL and add none", p.what))
	}
	if c.ReadOnlyRootFilesystem == nil || !*c.ReadOnlyRootFilesystem {
		errs = append(errs, fmt.Errorf("%s: readOnlyRootFilesystem must be true", p.what))
	}
	seccomp := pod.SeccompProfile
	if c.SeccompProfile != nil {
		seccomp = c.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		errs = append(errs, fmt.Errorf("%s: seccompProfile must be RuntimeDefault", p.what))
	}
	if p.automount != nil && *p.automount || p.automountString != nil && *p.automountString != "false" {
		errs = append(errs, fmt.Errorf("%s: automountServiceAccountToken must be false (nothing here talks to the API)", p.what))
	}
	if !p.tmpWritable {
		errs = append(errs, fmt.Errorf("%s: a read-only root needs an emptyDir at /tmp (libvips and k6 write temporary files)", p.what))
	}
	return errs
}

func tmpFromEmptyDir(mounts []corev1.VolumeMount, volumes []corev1.Volume) bool {
	for _, vm := range mounts {
		if vm.MountPath != "/tmp" || vm.ReadOnly {
			continue
		}
		for _, v := range volumes {
			if v.Name == vm.Name && v.EmptyDir != nil {
				return true
			}
		}
	}
	return false
}

// checkSecurity: every pod here runs as a non-root uid with no privileges, no capabilities, the runtime's
// seccomp profile, a read-only root and no API token; the services and the runners get a writable /tmp.
func checkSecurity(env *Env, m *Manifest) error {
	var errs []error
	for _, d := range m.Deployments {
		spec := &d.Spec.Template.Spec
		if spec.HostNetwork || spec.HostPID || spec.HostIPC {
			errs = append(errs, fmt.Errorf("Deployment %s: must not share the host's namespaces", d.Name))
		}
		isTarget := d.Labels[NameLabel] == AppName
		automount := spec.AutomountServiceAccountToken
		if automount == nil {
			automount = new(true)
		}
		for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
			errs = append(errs, podSecurity{
				what: "Deployment " + d.Name + " container " + c.Name, pod: spec.SecurityContext, container: c.SecurityContext,
				automount:   automount,
				tmpWritable: !isTarget || tmpFromEmptyDir(c.VolumeMounts, spec.Volumes),
			}.check()...)
		}
	}
	for _, tr := range m.TestRuns {
		r := &tr.Spec.Runner
		automount := r.AutomountServiceAccountToken
		errs = append(errs, podSecurity{
			what: "TestRun " + tr.Name + " runner", pod: r.SecurityContext, container: r.ContainerSecurityContext,
			automountString: &automount, tmpWritable: tmpFromEmptyDir(r.VolumeMounts, r.Volumes),
		}.check()...)
	}
	return errors.Join(errs...)
}

// checkEnvNames: a target's env holds the contract's configuration variables and the runtimes' thread counts,
// nothing else (a misspelt variable would silently fall back to a default).
func checkEnvNames(env *Env, m *Manifest) error {
	var errs []error
	for _, t := range targets(env, m) {
		if t.Container == nil {
			continue
		}
		for _, e := range t.Container.Env {
			if !env.Contract.EnvNames[e.Name] && !slices.Contains(RuntimeThreadEnv, e.Name) {
				errs = append(errs, fmt.Errorf("%s: env %s is neither a contract setting nor one of %v", t.Deployment.Name, e.Name, RuntimeThreadEnv))
			}
		}
		if len(t.Container.EnvFrom) > 0 {
			errs = append(errs, fmt.Errorf("%s: envFrom hides the env from these checks", t.Deployment.Name))
		}
	}
	return errors.Join(errs...)
}

// checkAutoscaling: each target scales on CPU utilization within sane bounds.
func checkAutoscaling(env *Env, m *Manifest) error {
	var errs []error
	for _, h := range m.HPAs {
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			errs = append(errs, fmt.Errorf("HorizontalPodAutoscaler %s: need 1 <= minReplicas <= maxReplicas", h.Name))
		}
		onCPU := false
		for _, mt := range h.Spec.Metrics {
			r := mt.Resource
			if mt.Type == "Resource" && r != nil && r.Name == corev1.ResourceCPU && r.Target.Type == "Utilization" &&
				r.Target.AverageUtilization != nil && *r.Target.AverageUtilization > 0 && *r.Target.AverageUtilization <= 100 {
				onCPU = true
			}
		}
		if !onCPU {
			errs = append(errs, fmt.Errorf("HorizontalPodAutoscaler %s: must scale on CPU utilization (1–100%%)", h.Name))
		}
	}
	return errors.Join(errs...)
}

// checkNamespace: an overlay that names a namespace puts every object in it and creates it.
func checkNamespace(env *Env, m *Manifest) error {
	nss := map[string]bool{}
	for _, o := range m.Objects {
		if o.Kind != "Namespace" {
			nss[o.Namespace] = true
		}
	}
	if len(nss) > 1 {
		return fmt.Errorf("objects are spread over namespaces %v", slices.Sorted(maps.Keys(nss)))
	}
	for ns := range nss {
		if ns == "" {
			return nil
		}
		for _, n := range m.Namespaces {
			if n.Name == ns {
				return nil
			}
		}
		return fmt.Errorf("namespace %s is used but not created", ns)
	}
	return nil
}
