// Package sftpserver is a real SFTP server over a directory on disk, for
// tests and the demo: Consign's SFTP transport talks to it exactly as it talks
// to a supplier's server.
//
// Clients are confined to the root directory by os.Root (see rootFS), not by
// checking path strings. The server is for loopback use: it has one account,
// no rate limits and no audit log.
//
// Fault switches let tests simulate a partner's trouble: SetRefuseAuth for a
// revoked login, SetFailWrites for a full disk, Stop and Restart for an
// outage, Options.NoPosixRename for servers without the extension.
package sftpserver

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Options configures Start.
type Options struct {
	// Addr to listen on; default "127.0.0.1:0" (a free loopback port).
	Addr string
	// Root is the directory clients see as "/"; required, created if missing.
	Root string

	// User is the one account name; default "consign". Password and/or
	// AuthorizedKey enable password and public-key login; at least one is
	// required.
	User          string
	Password      string
	AuthorizedKey ssh.PublicKey

	// HostKey is the server's key; nil generates a fresh ed25519 key.
	HostKey ssh.Signer

	// NoPosixRename makes posix-rename@openssh.com requests fail as
	// unsupported, as on servers that lack it. (pkg/sftp still advertises the
	// extension: its list is process-wide, so this server cannot change it.)
	NoPosixRename bool

	// Logger receives connection-level errors; nil discards them.
	Logger *slog.Logger
}

// handshakeTimeout bounds a client's SSH handshake, so that a stuck client
// cannot hold a goroutine forever.
const handshakeTimeout = 10 * time.Second

// Server is a running SFTP server. Its methods are safe for concurrent use.
type Server struct {
	addr    string // fixed at Start, so Restart reuses the port
	rootDir string
	root    *os.Root
	fs      *rootFS
	config  *ssh.ServerConfig
	hostKey ssh.PublicKey
	log     *slog.Logger

	refuseAuth atomic.Bool
	failWrites atomic.Bool
	logins     atomic.Int64

	mu     sync.Mutex
	ln     net.Listener // nil while stopped
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup // accept loops and connections
}

// Start listens and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.Root == "" {
		return nil, errors.New("sftpserver: Options.Root is required")
	}
	if opts.Password == "" && opts.AuthorizedKey == nil {
		return nil, errors.New("sftpserver: set Options.Password or Options.AuthorizedKey")
	}
	user := opts.User
	if user == "" {
		user = "consign"
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	signer := opts.HostKey
	if signer == nil {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("sftpserver: generate host key: %w", err)
		}
		if signer, err = ssh.NewSignerFromKey(priv); err != nil {
			return nil, fmt.Errorf("sftpserver: host key: %w", err)
		}
	}

	if err := os.MkdirAll(opts.Root, 0o755); err != nil {
		return nil, fmt.Errorf("sftpserver: create root: %w", err)
	}
	root, err := os.OpenRoot(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("sftpserver: open root: %w", err)
	}

	s := &Server{
		rootDir: opts.Root,
		root:    root,
		hostKey: signer.PublicKey(),
		log:     log,
		conns:   make(map[net.Conn]struct{}),
	}
	s.fs = &rootFS{root: root, failWrites: &s.failWrites, noPosixRename: opts.NoPosixRename}
	s.config = s.serverConfig(user, opts.Password, opts.AuthorizedKey)
	s.config.AddHostKey(signer)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("sftpserver: listen: %w", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	return s, nil
}

func (s *Server) serverConfig(user, password string, key ssh.PublicKey) *ssh.ServerConfig {
	errRefused := errors.New("access denied")
	userOK := func(meta ssh.ConnMetadata) bool {
		return subtle.ConstantTimeCompare([]byte(meta.User()), []byte(user)) == 1
	}
	cfg := &ssh.ServerConfig{}
	if password != "" {
		cfg.PasswordCallback = func(meta ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			pwOK := subtle.ConstantTimeCompare(pw, []byte(password)) == 1
			if s.refuseAuth.Load() || !userOK(meta) || !pwOK {
				return nil, errRefused
			}
			return nil, nil
		}
	}
	if key != nil {
		want := key.Marshal()
		cfg.PublicKeyCallback = func(meta ssh.ConnMetadata, got ssh.PublicKey) (*ssh.Permissions, error) {
			if s.refuseAuth.Load() || !userOK(meta) || !bytes.Equal(got.Marshal(), want) {
				return nil, errRefused
			}
			return nil, nil
		}
	}
	return cfg
}

// Addr returns "127.0.0.1:PORT".
func (s *Server) Addr() string { return s.addr }

// Host returns the host part of Addr.
func (s *Server) Host() string {
	host, _, _ := net.SplitHostPort(s.addr)
	return host
}

// Port returns the port part of Addr.
func (s *Server) Port() int {
	_, port, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(port)
	return n
}

// HostKey returns the server's public host key.
func (s *Server) HostKey() ssh.PublicKey { return s.hostKey }

// Fingerprint returns the host key's SHA256 fingerprint as ssh-keygen prints it.
func (s *Server) Fingerprint() string { return ssh.FingerprintSHA256(s.hostKey) }

// Root returns the directory on disk that clients see as "/".
func (s *Server) Root() string { return s.rootDir }

// Logins counts successful logins since Start.
func (s *Server) Logins() int64 { return s.logins.Load() }

// SetRefuseAuth makes every login attempt fail (true) or work again (false).
func (s *Server) SetRefuseAuth(refuse bool) { s.refuseAuth.Store(refuse) }

// SetFailWrites makes every file write fail with "no space left on device"
// (true), or work again (false). Opening, renaming and removing still work.
func (s *Server) SetFailWrites(fail bool) { s.failWrites.Store(fail) }

// Stop closes the listener and every open connection, so the port refuses
// connections until Restart. It waits for the connections to finish.
func (s *Server) Stop() {
	s.mu.Lock()
	if s.ln != nil {
		s.ln.Close()
		s.ln = nil
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Restart listens again on the same port after Stop. Go sets SO_REUSEADDR on
// listeners, so lingering TIME_WAIT connections do not block this; it fails
// only if another process took the port meanwhile. Tests that cannot accept
// that small risk can Close this server and Start another on the same Root
// and HostKey (its port will differ).
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return errors.New("sftpserver: restart: server is closed")
	case s.ln != nil:
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("sftpserver: restart on %s: %w", s.addr, err)
	}
	s.serveLocked(ln)
	return nil
}

// Close stops the server for good. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true // before Stop, so a racing Restart cannot reopen
	s.mu.Unlock()
	s.Stop()
	return s.root.Close()
}

func (s *Server) serve(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serveLocked(ln)
}

func (s *Server) serveLocked(ln net.Listener) {
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // listener closed by Stop
			}
			if !s.track(ln, c) {
				c.Close()
				continue
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer s.untrack(c)
				s.handleConn(c)
			}()
		}
	}()
}

// track records c so Stop can close it. It refuses connections accepted by a
// listener that Stop has already closed.
func (s *Server) track(ln net.Listener, c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != ln {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

func (s *Server) handleConn(c net.Conn) {
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	sc, chans, reqs, err := ssh.NewServerConn(c, s.config)
	if err != nil {
		s.log.Debug("sftpserver: handshake failed", "remote", c.RemoteAddr().String(), "err", err)
		return
	}
	defer sc.Close()
	c.SetDeadline(time.Time{})
	s.logins.Add(1)

	go ssh.DiscardRequests(reqs)
	var sessions sync.WaitGroup
	defer sessions.Wait()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only session channels are served")
			continue
		}
		sessions.Go(func() { s.handleSession(nc) })
	}
}

// handleSession serves one "session" channel: it accepts an "sftp" subsystem
// request and refuses everything else (shells, exec, port forwarding).
func (s *Server) handleSession(nc ssh.NewChannel) {
	ch, reqs, err := nc.Accept()
	if err != nil {
		return
	}
	defer ch.Close()

	accepted := make(chan bool, 1)
	go func() {
		started := false
		for req := range reqs {
			var sub struct{ Name string }
			ok := !started && req.Type == "subsystem" &&
				ssh.Unmarshal(req.Payload, &sub) == nil && sub.Name == "sftp"
			req.Reply(ok, nil)
			if ok {
				started = true
				accepted <- true
			}
		}
		if !started {
			accepted <- false
		}
	}()
	if !<-accepted {
		return
	}

	rs := pkgsftp.NewRequestServer(ch, s.fs.handlers())
	err = rs.Serve()
	if err != nil && !errors.Is(err, io.EOF) {
		s.log.Debug("sftpserver: session ended", "err", err)
	}
	// Like sshd, report how the subsystem ended; some clients wait for it.
	status := struct{ Status uint32 }{}
	if err != nil && !errors.Is(err, io.EOF) {
		status.Status = 1
	}
	ch.SendRequest("exit-status", false, ssh.Marshal(&status))
	rs.Close()
}
