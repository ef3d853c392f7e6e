// Package app wires Consign together: configuration, database, job queue,
// the use cases and the HTTP server, and the command line that drives them.
package app

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/admin"
	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/channels/edi"
	"github.com/consign/consign/app/channels/email"
	"github.com/consign/consign/app/channels/sftpcsv"
	"github.com/consign/consign/app/config"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/fulfillment"
	"github.com/consign/consign/app/hooks"
	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/install"
	"github.com/consign/consign/app/jobs"
	"github.com/consign/consign/app/mail"
	"github.com/consign/consign/app/metrics"
	"github.com/consign/consign/app/netguard"
	"github.com/consign/consign/app/orderfetch"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/platforms/bigcommerce"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/portal"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/app/reconcile"
	"github.com/consign/consign/app/supplierstore"
	"github.com/consign/consign/handlers"
	"github.com/consign/consign/models"
	"github.com/consign/consign/static"
)

// App is one Consign process: web and workers over one database.
type App struct {
	Config      config.Config
	Log         *slog.Logger
	DB          *database.DB
	Jobs        *river.Client[*sql.Tx]
	Accounts    *accounts.Service
	Ingester    *ingest.Ingester
	Pipeline    *pipeline.Pipeline
	Purchasing  *purchasing.Service
	Fulfillment *fulfillment.Service
	Portal      *portal.Service  // supplier portal sign-in; Invite makes invite links
	Install     *install.Service // Shopify installs: token exchange and OAuth (install_wiring.go)
	HTTP        http.Handler
	// Metrics records into Registry, which GET /metrics serves.
	Metrics  *metrics.Metrics
	Registry *prometheus.Registry
	// Reconcile fetches the orders whose webhooks never came.
	Reconcile *reconcile.Service
	// ShopifyClients is the one Admin API client per shop every job shares.
	ShopifyClients *shopify.Clients
	// SupplierStores runs the store channel (supplierstore_wiring.go).
	SupplierStores *supplierstore.Service
	// BigCommerceClients is the one API client per BigCommerce store.
	BigCommerceClients *bigcommerce.Clients
	// OrderFetch reads the orders thin webhooks name; Hooks keeps stores'
	// webhooks in place (stores_wiring.go).
	OrderFetch *orderfetch.Service
	Hooks      *hooks.Service
	// Sessions keeps the admin sessions of stores outside Shopify.
	Sessions *admin.Sessions
	// Channels sends POs to suppliers by email, CSV files or EDI and
	// applies their answers; MailInbound receives their email replies.
	Channels    *channels.Service
	MailInbound *email.Inbound
	// WooConnect is the WooCommerce connect flow.
	WooConnect *install.WooCommerce
	// Guard is the one way to reach an address a tenant gave (a store URL,
	// later feeds, SFTP hosts and webhook endpoints).
	Guard *netguard.Guard

	wooHTTP *http.Client
	limits  handlers.Limits

	workers bool
}

// Options adjust an App beyond its configuration (tests, demo, commands).
type Options struct {
	// Workers runs the job workers in this process.
	Workers bool
	// Queue overrides the worker pool sizing.
	Queue *queue.Config
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Demo adds the local demo sign-in page (/demo); `serve` never sets it.
	Demo bool
	// PollEvery reads suppliers' inbound folders this often, whatever their
	// settings say (the demo: seconds); 0 keeps the settings.
	PollEvery time.Duration
	// demo holds the demo's mail and SFTP servers.
	demo *demoChannels
}

// New opens the database, refuses a schema that is behind, and builds every
// part. Close releases what New opened.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	now := opts.Now
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	db, err := database.Open(ctx, cfg.DatabaseURL, database.Options{})
	if err != nil {
		return nil, err
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: db, workers: opts.Workers, Registry: prometheus.NewRegistry(),
		Guard: &netguard.Guard{AllowPrivate: cfg.AllowPrivateURLs || opts.Demo, AllowHTTP: opts.Demo}, limits: handlers.DefaultLimits()}
	a.Metrics = metrics.New(a.Registry)
	metrics.RegisterStateGauges(a.Registry, db.SQL, log)
	a.Accounts = &accounts.Service{DB: db, Now: now, ValidateShop: map[string]func(string) error{"shopify": shopify.ValidateShop}}
	if err := a.wireInstall(now); err != nil { // install_wiring.go
		db.Close()
		return nil, err
	}
	a.Pipeline = &pipeline.Pipeline{DB: db, Now: now, Log: log,
		Translators: map[string]pipeline.Translator{"shopify": shopify.TranslateOrder}}
	a.Purchasing = &purchasing.Service{DB: db, Now: now}
	a.ShopifyClients = &shopify.Clients{Options: shopify.ClientOptions{BaseURL: cfg.ShopifyAPIBaseURL, Logger: log,
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: a.Metrics.PlatformTransport("shopify", nil, shopify.RequestOperation)},
		OnWait:     a.Metrics.PlatformWait("shopify")}}
	a.Fulfillment = &fulfillment.Service{DB: db, Now: now, Log: log,
		Pushers: map[string]fulfillment.Pusher{"shopify": &shopifyPusher{clients: a.ShopifyClients, tokens: a.Accounts}}}
	a.Ingester = &ingest.Ingester{DB: db, Now: now}
	a.Reconcile = a.reconcileService(now)
	a.Portal = &portal.Service{DB: db, Now: now, Log: log, BaseURL: cfg.AppURL}
	a.SupplierStores = a.supplierStores(now)
	a.wireStoresEarly(now) // stores_wiring.go
	a.Portal.LinkKey = a.Accounts.Tokens.Derive("po links")
	if err := a.newChannels(now, opts.PollEvery); err != nil {
		db.Close()
		return nil, err
	}

	qcfg := queue.DefaultConfig(db.Dialect)
	if opts.Queue != nil {
		qcfg = *opts.Queue
	}
	if cfg.WorkersSet {
		qcfg.MaxWorkers = cfg.Workers
	}
	if cfg.JobTimeout > 0 {
		qcfg.JobTimeout = cfg.JobTimeout
	}
	if cfg.RescueAfter > 0 {
		qcfg.RescueAfter = cfg.RescueAfter
	}
	qcfg.Middleware = append([]rivertype.Middleware{a.Metrics.JobMiddleware()}, qcfg.Middleware...)
	var workers *river.Workers
	if opts.Workers && qcfg.MaxWorkers > 0 {
		workers = jobs.Workers(jobs.Deps{Pipeline: a.Pipeline, Purchasing: a.Purchasing, Fulfillment: a.Fulfillment, Reconcile: a.Reconcile,
			SupplierStores: a.SupplierStores, OrderFetch: a.OrderFetch, Hooks: a.Hooks, Channels: a.Channels})
		qcfg.PeriodicJobs = append(qcfg.PeriodicJobs, reconcilePeriodicJobs(cfg)...)
		qcfg.PeriodicJobs = append(qcfg.PeriodicJobs, queue.PeriodicPollChannels(cmp.Or(opts.PollEvery, time.Minute)))
	} else {
		a.workers = false
	}
	a.Jobs, err = queue.NewClient(db, workers, qcfg, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Pipeline.Queue, a.Purchasing.Queue, a.Ingester.Queue, a.Reconcile.Queue = a.Jobs, a.Jobs, a.Jobs, a.Jobs
	a.SupplierStores.Queue, a.Channels.Queue = a.Jobs, a.Jobs

	assets, err := static.New()
	if err != nil {
		db.Close()
		return nil, err
	}
	pages := &handlers.Pages{Assets: assets}
	hooks := &handlers.ShopifyWebhooks{
		Secret: []byte(cfg.ShopifyAPISecret), MaxBytes: cfg.WebhookMaxBytes, Ingester: a.Ingester, Metrics: a.Metrics,
	}
	woo := a.wooConnect(now)
	a.WooConnect = woo
	adminPages := a.adminSection(assets, now, woo)
	privacyPages := a.wirePrivacy(hooks, adminPages, now)
	a.wireSupplierStoreTopics(hooks)
	storeSections := a.wireStoresLate(now, a.Sessions, woo, pages)
	a.HTTP = handlers.New(handlers.Deps{
		Log:             log,
		Pages:           pages,
		Readiness:       a,
		Metrics:         a.Metrics,
		MetricsHandler:  metrics.Handler(a.Registry),
		ShopifyWebhooks: hooks,
		SupplierAPI: &handlers.SupplierAPI{Keys: a.Accounts, Purchasing: a.Purchasing,
			PerKey: a.limits.APIPerKey, Failures: a.limits.APIKeyFailures},
		HTTPS:          strings.HasPrefix(cfg.AppURL, "https://"),
		ClientIPHeader: cfg.ClientIPHeader,
		Sections: append([]handlers.Section{
			&handlers.Portal{Sessions: a.Portal, Purchasing: a.Purchasing, Keys: a.Accounts, Pages: pages, Log: log,
				SignInPerClient: a.limits.SignInPerClient, SignInPerAddress: a.limits.SignInPerAddress, Timeline: a.Channels.Timeline},
			adminPages,
			a.authSection(),
			privacyPages,
			a.demoSection(opts, pages),
		}, storeSections...),
	})
	return a, nil
}

// newChannels builds the message channels (email, CSV files over SFTP, EDI
// over SFTP) and plugs them into purchasing (delivery) and the pipeline
// (their answers). Every address a supplier gives is reached through the
// guard.
func (a *App) newChannels(now func() time.Time, pollEvery time.Duration) error {
	cfg := a.Config
	var sender email.Sender = noMail{}
	if cfg.SMTPURL != "" {
		s, err := mail.NewSender(cfg.SMTPURL, mail.SenderOptions{Dial: a.Guard.DialContext, HeloName: cfg.SMTPDomain,
			AllowInsecureAuth: a.Guard.AllowHTTP})
		if err != nil {
			return fmt.Errorf("SMTP_URL: %w", err)
		}
		sender = s
	}
	folder := channels.Folder{Dial: a.Guard.DialContext}
	mailEdge := &email.Edge{Sender: sender, From: cfg.MailFrom, ReplyDomain: cfg.SMTPDomain,
		Key: a.Accounts.Tokens.Derive("email replies"), Links: a.Portal, Now: now}
	fileEdge := &sftpcsv.Edge{Folder: folder, Now: now}
	ediEdge := &edi.Edge{Folder: folder, Now: now}
	a.Channels = &channels.Service{DB: a.DB, Ingester: a.Ingester, Purchasing: a.Purchasing, Sealer: a.Accounts.Tokens,
		Edges:     map[string]channels.Edge{models.ChannelEmail: mailEdge, models.ChannelSFTP: fileEdge, models.ChannelEDI: ediEdge},
		PollEvery: pollEvery, Now: now, Log: a.logger()}
	a.MailInbound = &email.Inbound{Edge: mailEdge, Channels: a.Channels, DB: a.DB, Log: a.logger()}
	a.Purchasing.Channels = a.Channels
	if a.Pipeline.Topics == nil {
		a.Pipeline.Topics = map[string]pipeline.TopicHandler{}
	}
	a.Pipeline.Topics[models.ChannelEmail+" "+email.TopicReply] = a.Channels.Handler(mailEdge.HandleReply)
	a.Pipeline.Topics[models.ChannelSFTP+" "+channels.TopicFile] = a.Channels.Handler(fileEdge.HandleFile)
	a.Pipeline.Topics[models.ChannelEDI+" "+channels.TopicFile] = a.Channels.Handler(ediEdge.HandleFile)
	return nil
}

// noMail is the mailer without SMTP_URL: email POs wait, and say why.
type noMail struct{}

func (noMail) Send(context.Context, string, []string, []byte) error {
	return channels.Permanent(errors.New("no mail server: set SMTP_URL"))
}

// ServeMail receives suppliers' email replies on ln (SMTP_LISTEN) until ctx
// ends.
func (a *App) ServeMail(ctx context.Context, ln net.Listener) error {
	l := mail.NewListener(mail.ListenerConfig{Domain: a.Config.SMTPDomain, Accept: a.MailInbound.Accept,
		Deliver: a.MailInbound.Deliver, Logger: a.logger()})
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	if err := l.Serve(ln); err != nil && ctx.Err() == nil {
		return fmt.Errorf("mail listener: %w", err)
	}
	return nil
}

// Ready reports whether the database answers with a current schema.
func (a *App) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return a.DB.CheckSchema(ctx)
}

// StartWorkers starts the job workers, when this App runs them.
func (a *App) StartWorkers(ctx context.Context) error {
	if !a.workers {
		return nil
	}
	if err := a.Jobs.Start(ctx); err != nil {
		return fmt.Errorf("start job workers: %w", err)
	}
	return nil
}

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully:
// in-flight requests finish, then running jobs get a moment to finish.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.HTTP,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

// Close stops the workers (letting running jobs finish briefly) and closes
// the database.
func (a *App) Close() error {
	if a.workers {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Jobs.Stop(ctx); err != nil {
			a.Log.Warn("job workers did not stop cleanly", "error", err)
		}
	}
	return a.DB.Close()
}

// shopifyPusher pushes shipments to Shopify stores as fulfillments, through
// the process's one client per shop (a client paces itself by the shop's
// query cost budget, and every job for one shop must share that budget).
type shopifyPusher struct {
	clients *shopify.Clients
	tokens  interface {
		AccessToken(ctx context.Context, connID int64) (string, error)
	}
}

func (p *shopifyPusher) Push(ctx context.Context, r fulfillment.Request) (string, error) {
	token, err := p.tokens.AccessToken(ctx, r.ConnectionID)
	if err != nil {
		return "", &fulfillment.RetryableError{After: time.Minute, Err: err}
	}
	client, err := p.clients.Get(r.Shop, token)
	if err != nil {
		return "", err
	}
	in := shopify.FulfillInput{
		OrderGID:       r.OrderGID,
		Tracking:       shopify.Tracking{Company: r.Carrier, Number: r.TrackingNumber, URL: r.TrackingURL},
		NotifyCustomer: true,
	}
	if in.OrderGID == "" {
		in.OrderGID = "gid://shopify/Order/" + r.OrderExternalID
	}
	for _, l := range r.Lines {
		in.Lines = append(in.Lines, shopify.FulfillLine{LineItemID: l.ExternalLineID, Quantity: l.Quantity})
	}
	id, err := client.Fulfill(ctx, in)
	var retry *shopify.RetryableError
	if errors.As(err, &retry) {
		return "", &fulfillment.RetryableError{After: retry.After, Err: err}
	}
	return id, err
}
