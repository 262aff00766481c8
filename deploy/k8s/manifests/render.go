package manifests

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// K8sDir is this module's folder, relative to the repository root.
const K8sDir = "deploy/k8s"

// Overlays are the kustomizations meant to be applied, relative to K8sDir. base is included: it must render on
// its own too (an overlay of someone else's can start from it).
var Overlays = []string{"base", "overlays/bench", "overlays/prod"}

// Object is one rendered object in unstructured form (numbers as int64 or float64, as the API server decodes).
type Object struct {
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	Labels     map[string]string
	Map        map[string]any
}

// ID names the object in messages.
func (o *Object) ID() string { return o.Kind + "/" + o.Name }

// YAML is the object as kubectl takes it.
func (o *Object) YAML() ([]byte, error) { return yaml.Marshal(o.Map) }

// Render builds a kustomization with the kustomize API. Load restrictions are off because the bench overlay
// reads bench/k6 and the contract's fixture from outside deploy/k8s (so kubectl users pass
// --load-restrictor LoadRestrictionsNone too).
func Render(dir string) ([]*Object, error) {
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsNone
	resMap, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", filepath.Base(dir), err)
	}
	var out []*Object
	for _, r := range resMap.Resources() {
		raw, err := r.MarshalJSON()
		if err != nil {
			return nil, err
		}
		o, err := objectFromJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("kustomize %s: %s: %w", filepath.Base(dir), r.CurId(), err)
		}
		out = append(out, o)
	}
	return out, nil
}

func objectFromJSON(raw []byte) (*Object, error) {
	var m map[string]any
	if err := kjson.UnmarshalCaseSensitivePreserveInts(raw, &m); err != nil {
		return nil, err
	}
	o := &Object{Map: m, Labels: map[string]string{}}
	o.APIVersion, _ = m["apiVersion"].(string)
	o.Kind, _ = m["kind"].(string)
	if md, ok := m["metadata"].(map[string]any); ok {
		o.Name, _ = md["name"].(string)
		o.Namespace, _ = md["namespace"].(string)
		if ls, ok := md["labels"].(map[string]any); ok {
			for k, v := range ls {
				s, _ := v.(string)
				o.Labels[k] = s
			}
		}
	}
	if o.APIVersion == "" || o.Kind == "" || o.Name == "" {
		return nil, fmt.Errorf("object without apiVersion, kind or name")
	}
	return o, nil
}

// Refresh re-reads the header fields after Map was edited (cmd/bench-k8s patches maps).
func (o *Object) Refresh() error {
	raw, err := json.Marshal(o.Map)
	if err != nil {
		return err
	}
	n, err := objectFromJSON(raw)
	if err != nil {
		return err
	}
	*o = *n
	return nil
}
