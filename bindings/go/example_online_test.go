package runlog_test

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	runlog "github.com/runlog/runlog/bindings/go"
)

// An online run whose requests go through Go's net/http (your own client:
// proxies, TLS, timeouts), then a later Sync of what was not uploaded.
func ExampleNetHTTPExecutor() {
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	run, err := runlog.Init(runlog.Options{
		Project:       "demo",
		Mode:          "online",
		BaseURL:       os.Getenv("WANDB_BASE_URL"),
		APIKey:        os.Getenv("WANDB_API_KEY"),
		HTTP:          &runlog.NetHTTPExecutor{Client: client},
		UploadTimeout: 2 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer run.Close()
	for step := 0; step < 100; step++ {
		_ = run.Log(map[string]any{"loss": 1 / float64(step+1)})
	}
	if st, err := run.Stats(); err == nil {
		log.Printf("upload %s: %d of %d rows", st.UploadState, st.RowsUploaded, st.RowsLogged)
	}
	if err := run.Finish(0); err != nil {
		log.Fatal(err)
	}
	// Whatever the upload could not send is in the journal: send it later.
	status, err := runlog.Sync(run.Dir(), runlog.SyncOptions{HTTP: &runlog.NetHTTPExecutor{Client: client}})
	log.Printf("sync: %+v, %v", status, err)
}

// An executor of your own: here one that sends every request through a
// relay that adds the credentials itself.
func ExampleHTTPExecutorFunc() {
	relay := &runlog.NetHTTPExecutor{}
	x := runlog.HTTPExecutorFunc(func(ctx context.Context, req *runlog.HTTPRequest) (*runlog.HTTPResponse, error) {
		req.Header.Del("Authorization")
		req.Header.Set("X-Relay-Token", os.Getenv("RELAY_TOKEN"))
		return relay.Do(ctx, req)
	})
	run, err := runlog.Init(runlog.Options{Mode: "online", BaseURL: "https://relay.example.internal", APIKey: "unused", HTTP: x})
	if err != nil {
		log.Fatal(err)
	}
	defer run.Close()
	_ = run.Log(map[string]any{"loss": 0.5})
}
