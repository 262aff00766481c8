package handlers

import (
	"encoding/json"
	"net/http"
	"runtime"

	"github.com/rtip/go-service/internal/contract"
	"github.com/rtip/go-service/internal/openapi"
	"github.com/rtip/go-service/internal/pipeline"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

func (s *server) handleReadyz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.draining() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

func handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi.Document)
	})
}

func (s *server) handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeProblem(w, r, problem(contract.CodeNotFound, "no route for "+pathAsSent(r)))
	})
}

type info struct {
	Implementation string            `json:"implementation"`
	Version        string            `json:"version"`
	Runtime        infoRuntime       `json:"runtime"`
	Libraries      map[string]string `json:"libraries"`
	Limits         infoLimits        `json:"limits"`
	Concurrency    infoConcurrency   `json:"concurrency"`
}

type infoRuntime struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	NumCPU     int    `json:"numCPU"`
}

type infoLimits struct {
	MaxUploadBytes         int64 `json:"maxUploadBytes"`
	MaxInflightUploadBytes int64 `json:"maxInflightUploadBytes"`
	UploadTimeoutMs        int64 `json:"uploadTimeoutMs"`
	MaxInputPixels         int64 `json:"maxInputPixels"`
	RequestTimeoutMs       int64 `json:"requestTimeoutMs"`
	ShutdownTimeoutMs      int64 `json:"shutdownTimeoutMs"`
}

type infoConcurrency struct {
	Concurrency int `json:"concurrency"`
	QueueDepth  int `json:"queueDepth"`
	GOMAXPROCS  int `json:"gomaxprocs"`
}

func (s *server) handleInfo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		procs := runtime.GOMAXPROCS(0)
		writeJSON(w, http.StatusOK, info{
			Implementation: pipeline.Implementation,
			Version:        Version,
			Runtime:        infoRuntime{Name: "go", Version: runtime.Version(), GOMAXPROCS: procs, NumCPU: runtime.NumCPU()},
			Libraries:      pipeline.Libraries(),
			Limits: infoLimits{
				MaxUploadBytes:         s.cfg.MaxUploadBytes,
				MaxInflightUploadBytes: s.cfg.MaxInflightUploadBytes,
				UploadTimeoutMs:        s.cfg.UploadTimeout.Milliseconds(),
				MaxInputPixels:         s.cfg.MaxInputPixels,
				RequestTimeoutMs:       s.cfg.RequestTimeout.Milliseconds(),
				ShutdownTimeoutMs:      s.cfg.ShutdownTimeout.Milliseconds(),
			},
			Concurrency: infoConcurrency{Concurrency: s.cfg.Concurrency, QueueDepth: s.cfg.QueueDepth, GOMAXPROCS: procs},
		})
	})
}
