package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/rtip/deploy/k8s/manifests"
)

// settings are what a run changes in the bench overlay. They are applied to every target alike (so the
// same-everywhere checks still hold), then only the chosen target is applied.
type settings struct {
	cpus         int
	replicas     int
	parallelism  int
	rate         int
	durationS    float64
	query        string
	fixture      string
	runID        string
	accessMode   string
	storageClass string
}

func child(m map[string]any, path ...string) (map[string]any, error) {
	for _, p := range path {
		next, ok := m[p].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("no %s in %v", p, path)
		}
		m = next
	}
	return m, nil
}

func list(m map[string]any, key string) []any {
	l, _ := m[key].([]any)
	return l
}

// setEnv replaces the value of an existing env variable; a missing one is an error (the overlay defines them).
func setEnv(container map[string]any, name, value string) error {
	for _, e := range list(container, "env") {
		if em, ok := e.(map[string]any); ok && em["name"] == name {
			em["value"] = value
			delete(em, "valueFrom")
			return nil
		}
	}
	return fmt.Errorf("no env %s to set", name)
}

func patch(repoRoot string, objs []*manifests.Object, s settings) error {
	image, err := os.ReadFile(filepath.Join(repoRoot, manifests.FixturesDir, s.fixture))
	if err != nil {
		return err
	}
	for _, o := range objs {
		var err error
		switch {
		case o.Kind == "Deployment" && o.Labels[manifests.NameLabel] == manifests.AppName:
			err = patchDeployment(o, s)
		case o.Kind == "HorizontalPodAutoscaler":
			spec, e := child(o.Map, "spec")
			if e != nil {
				return e
			}
			// Pinned: a comparison needs a known number of pods.
			spec["minReplicas"], spec["maxReplicas"] = int64(s.replicas), int64(s.replicas)
		case o.Kind == "TestRun":
			err = patchTestRun(o, s)
		case o.Kind == "ConfigMap" && o.Name == "rtip-k6-image":
			delete(o.Map, "data")
			o.Map["binaryData"] = map[string]any{s.fixture: base64.StdEncoding.EncodeToString(image)}
		case o.Kind == "PersistentVolumeClaim":
			spec, e := child(o.Map, "spec")
			if e != nil {
				return e
			}
			spec["accessModes"] = []any{s.accessMode}
			if s.storageClass != "" {
				spec["storageClassName"] = s.storageClass
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", o.ID(), err)
		}
		if err := o.Refresh(); err != nil {
			return err
		}
	}
	return nil
}

func patchDeployment(o *manifests.Object, s settings) error {
	spec, err := child(o.Map, "spec", "template", "spec")
	if err != nil {
		return err
	}
	for _, c := range list(spec, "containers") {
		cm, _ := c.(map[string]any)
		if cm["name"] != manifests.ServiceContainer {
			continue
		}
		res, err := child(cm, "resources")
		if err != nil {
			return err
		}
		// CONCURRENCY, GOMAXPROCS and UV_THREADPOOL_SIZE follow limits.cpu through the downward API.
		for _, k := range []string{"requests", "limits"} {
			r, err := child(res, k)
			if err != nil {
				return err
			}
			r["cpu"] = fmt.Sprint(s.cpus)
		}
		return nil
	}
	return fmt.Errorf("no container %q", manifests.ServiceContainer)
}

func patchTestRun(o *manifests.Object, s settings) error {
	spec, err := child(o.Map, "spec")
	if err != nil {
		return err
	}
	spec["parallelism"] = int64(s.parallelism)
	runner, err := child(spec, "runner")
	if err != nil {
		return err
	}
	// The image keeps its folder (the fixtures volume's mount); only the file changes.
	imageDir := ""
	for _, e := range list(runner, "env") {
		if em, ok := e.(map[string]any); ok && em["name"] == "IMAGE_PATH" {
			v, _ := em["value"].(string)
			imageDir = path.Dir(v)
		}
	}
	for name, value := range map[string]string{
		"RUN_ID":     s.runID,
		"RATE":       fmt.Sprint(s.rate),
		"DURATION":   fmt.Sprintf("%gs", s.durationS),
		"QUERY":      s.query,
		"IMAGE_PATH": path.Join(imageDir, s.fixture),
		"IMAGE_NAME": s.fixture,
	} {
		if err := setEnv(runner, name, value); err != nil {
			return err
		}
	}
	return nil
}
