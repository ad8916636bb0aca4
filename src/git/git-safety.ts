// What kreview pins on every git it starts, because the repositories it reads are not its own:
// a `--repo` may be an unpacked tarball, a clone holds a stranger's .gitattributes. Every key
// below is one through which a repository's config can make git run a program. `-c` is the
// highest-priority scope, so these win over .git/config, and git passes them on to the git
// processes it starts itself (a partial clone's lazy fetch, upload-pack).

/** `-c key=value` pairs for every git call. */
export const SAFE_CONFIG: readonly string[] = [
  // An fsmonitor hook runs whenever git looks at the index (diff-tree does).
  'core.fsmonitor=false',
  // Hooks: reference-transaction on every ref update, pre-auto-gc, post-checkout...
  'core.hooksPath=/dev/null',
  // log.showSignature runs gpg.program (or its ssh/x509 siblings) on every signed commit.
  'log.showSignature=false',
  'gpg.program=/nonexistent/kreview-runs-no-gpg',
  'gpg.openpgp.program=/nonexistent/kreview-runs-no-gpg',
  'gpg.x509.program=/nonexistent/kreview-runs-no-gpg',
  'gpg.ssh.program=/nonexistent/kreview-runs-no-gpg',
  // diff.<driver>.command and textconv are also refused by --no-ext-diff/--no-textconv (DIFF_FLAGS).
  'diff.external=',
  'core.pager=cat',
  // An empty helper clears the list; an empty askPass ends the search before SSH_ASKPASS.
  'credential.helper=',
  'core.askPass=',
  'core.sshCommand=ssh',
  // Every transport is refused unless the call says it talks to a remote (REMOTE_CONFIG): a partial
  // clone's missing object would otherwise start a fetch with the repository's remote.<name>.uploadpack.
  'protocol.allow=never',
  'protocol.ext.allow=never',
  // A pack-objects hook is read only from protected config; `env` just runs the git it is given.
  'uploadpack.packObjectsHook=env',
  'fetch.recurseSubmodules=false',
  'submodule.recurse=false',
];

// Deliberately not pinned:
// - filter.<driver>.clean/smudge/process: no command kreview runs applies filters (they act between
//   a work tree and the object store; blame runs on a revision, with --no-textconv).
// - core.gitProxy: the first match wins, so `-c` cannot override it; git:// is not an allowed transport.
// - core.alternateRefsCommand: read only by the repository that fetches, which is kreview's own
//   clone; an empty value would break the negotiation with a --mirror.
// - merge.<driver>.driver, core.editor, sequence.editor: kreview never merges or edits.

/** Added to a call that fetches or clones: the transports kreview uses, and nothing that runs a program (ext::, git:// with core.gitProxy). */
export const REMOTE_CONFIG: readonly string[] = [
  'protocol.https.allow=always',
  'protocol.http.allow=always',
  'protocol.file.allow=always',
  'protocol.ssh.allow=always',
];

/**
 * Flags inserted after the subcommand: textconv and external diff drivers come from
 * .gitattributes plus config, and blame and porcelain diffs use them by default.
 */
export const DIFF_FLAGS: Readonly<Record<string, readonly string[]>> = {
  // blame.ignoreRevsFile cannot be emptied by config (the list is sorted): a FIFO named there would hang blame.
  blame: ['--no-textconv', '--no-ignore-revs-file'],
  diff: ['--no-textconv', '--no-ext-diff'],
  'diff-tree': ['--no-textconv', '--no-ext-diff'],
  log: ['--no-textconv', '--no-ext-diff'],
  show: ['--no-textconv', '--no-ext-diff'],
  'format-patch': ['--no-textconv', '--no-ext-diff'],
};

/**
 * Inherited GIT_* variables that stay: the operator's identity, TLS and ssh choices and tracing.
 * Every other GIT_* (GIT_DIR, GIT_EXTERNAL_DIFF, GIT_CONFIG_PARAMETERS from a parent git...) is dropped.
 */
export const KEPT_GIT_ENV = /^GIT_(?:AUTHOR|COMMITTER)_(?:NAME|EMAIL|DATE)$|^GIT_SSL_|^GIT_SSH_COMMAND$|^GIT_TRACE|^GIT_CURL_VERBOSE$|^GIT_HTTP_/;

/** Where the operator may name a git config file kreview's git should read as its global config (url.<base>.insteadOf, http.proxy, safe.directory). */
export const GIT_CONFIG_ENV = 'KREVIEW_GIT_CONFIG';
