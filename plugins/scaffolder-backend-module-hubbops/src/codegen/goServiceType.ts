import { z } from 'zod/v3';
import { SERVICE_USER } from './nodeServiceType';
import { GeneratedFile, ServiceTypeHandler } from './ServiceTypeHandler';

const optionsSchema = z
  .object({
    runtimeImage: z
      .string()
      .min(1)
      .default('gcr.io/distroless/static-debian12:nonroot')
      .describe('The image the compiled binary runs in'),
    modulePath: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._~/-]*$/,
        "modulePath must be a Go module path such as 'github.com/org/service'",
      )
      .optional()
      .describe('The Go module path; default the service name'),
  })
  .strict()
  .default({});

/**
 * `go`: a net/http service using only the standard library (go 1.19), with a
 * multi-stage Containerfile that compiles a static binary into a small
 * runtime image.
 */
export const goServiceType: ServiceTypeHandler<z.output<typeof optionsSchema>> =
  {
    type: 'go',
    description: 'Go net/http service (standard library only)',
    defaultBaseImage: 'docker.io/library/golang:1.22',
    inputSchema: optionsSchema,
    async generate(ctx): Promise<GeneratedFile[]> {
      const modulePath = ctx.options.modulePath ?? ctx.name;
      const goMod = `module ${modulePath}

go 1.19
`;
      const main = `// Command ${ctx.name} serves the ${ctx.name} HTTP API.
package main

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const healthPath = ${JSON.stringify(ctx.healthPath)}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func newHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(healthPath, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"service": ${JSON.stringify(
      ctx.name,
    )}})
	})
	return mux
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "${ctx.port}"
	}
	server := &http.Server{Addr: ":" + port, Handler: newHandler(), ReadHeaderTimeout: 10 * time.Second}

	// Kubernetes sends SIGTERM before it stops the pod: finish open requests.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()

	log.Printf("${ctx.name} listening on port %s", port)
	if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
`;
      const test = `package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealthCheck(t *testing.T) {
	server := httptest.NewServer(newHandler())
	defer server.Close()

	response, err := http.Get(server.URL + healthPath)
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", response.StatusCode)
	}
	var body map[string]string
	if err := json.NewDecoder(response.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body["status"] != "ok" {
		t.Fatalf("body %v, want status ok", body)
	}
}

func TestUnknownPath(t *testing.T) {
	server := httptest.NewServer(newHandler())
	defer server.Close()

	response, err := http.Get(server.URL + "/no-such-path")
	if err != nil {
		t.Fatal(err)
	}
	response.Body.Close()
	if response.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404", response.StatusCode)
	}
}
`;
      const containerfile = `FROM ${ctx.baseImage} AS build
WORKDIR /src
COPY go.mod ./
COPY *.go ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/server .

FROM ${ctx.options.runtimeImage}
COPY --from=build /out/server /server
USER ${SERVICE_USER}
EXPOSE ${ctx.port}
ENV PORT=${ctx.port}
ENTRYPOINT ["/server"]
`;
      const containerignore = `.git
catalog-info.yaml
`;
      return [
        { path: 'go.mod', content: goMod },
        { path: 'main.go', content: main },
        { path: 'main_test.go', content: test },
        { path: 'Containerfile', content: containerfile },
        { path: '.containerignore', content: containerignore },
      ];
    },
  };
