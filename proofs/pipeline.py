"""The searches of a `make verify` run: built and run cheapest first on a
few threads, each reported the moment it ends, a passed one reused when
nothing it depends on changed.

A search is one pan run of one configuration (spinrun.py). Its result is
kept under $VFIO_CCW_CACHE/results, keyed by everything the run depends
on: the text spin gets, spin's version and defines, the pan compiler and
its flags, the lockstep archive (named by the hash of its sources), pan's
flags and the claim. Only a pass is kept, and a known limit's refutation
(the result it must have); --fresh ignores the store.
"""

import concurrent.futures
import dataclasses
import hashlib
import json
import os
import threading
import time

import spinrun

RESULTS = os.path.join(os.path.dirname(spinrun.CACHE), "results")
_REPORT_LOCK = threading.RLock()  # on_done and the memo of every pipeline
TIMES = os.path.join(RESULTS, "last-times.json")
_LAST_TIMES = {}  # label -> seconds, shared by the pipelines of a run


def label(config, search, claim=""):
    """How a search is named in the times kept for the next estimate."""
    return f"{config} {search}{' ' + claim if claim else ''}"


def _last_times():
    if not _LAST_TIMES:
        try:
            with open(TIMES, encoding="utf-8") as handle:
                _LAST_TIMES.update(json.load(handle))
        except (OSError, ValueError):
            pass
    return _LAST_TIMES


@dataclasses.dataclass
class Search:
    """A search to run: which configuration, which search, which claim."""
    config: str
    defines: list
    search: str
    claim: str = ""
    claims: tuple = ()  # the ltl claims its build carries (liveness)
    extra: tuple = ()  # more pan flags

    @property
    def label(self):
        return label(self.config, self.search, self.claim)


def _spin_version():
    return spinrun._run(["spin", "-V"], spinrun.ROOT).stdout.strip()


class Pipeline:
    """Runs searches on the threads of pool (a ThreadPoolExecutor, shared by
    the pipelines of one run) in the order submitted; on_done(run) is
    called (under the lock all pipelines share) as each ends."""

    def __init__(self, workdir, model_text, pool, on_done, hash_bits=spinrun.HASH_BITS, fresh=False,
                 lockstep=True, lib=None, model_path=spinrun.MODEL, limits=(), depth=spinrun.PAN_DEPTH,
                 cflags=()):
        spinrun.require_tools()
        self.cflags = tuple(cflags)  # the suite's own pan flags (-DCOLLAPSE)
        self.workdir, self.model_text, self.hash_bits, self.depth = workdir, model_text, hash_bits, depth
        self.model_path, self.limits = model_path, set(limits)
        self.fresh, self.on_done = fresh, on_done
        self.lib = (lib or spinrun.lockstep_lib()) if lockstep else None
        self.lockstep = lockstep
        self.spin_version = _spin_version()
        self.pool = pool
        self.lock = _REPORT_LOCK
        self.memo = {}
        self.last_times = _last_times()

    # ---------------------------------------------------------- building
    def _once(self, key, make):
        """make() once per key, whichever thread asks first; the others wait."""
        with self.lock:
            future = self.memo.get(key)
            mine = future is None
            if mine:
                future = self.memo[key] = concurrent.futures.Future()
        if mine:
            try:
                future.set_result(make())
            except BaseException as err:  # noqa: B902 (handed to every waiter)
                future.set_exception(err)
        return future.result()

    def _config_defines(self, search):
        """The configuration's defines, and LOCKSTEP if the kernel runs beside."""
        return [*search.defines, *(["-DLOCKSTEP"] if self.lockstep else [])]

    def _defines(self, search):
        """What spin -a gets: the configuration's and the search's defines."""
        return [*self._config_defines(search), *spinrun.SEARCHES[search.search][0]]

    def _text(self, search):
        return spinrun.build_text(self.model_text, search.search, search.claims)

    def _binary(self, search):
        live = search.search == "liveness"
        spin_key = (search.config, tuple(self._defines(search)), live, search.claims)
        name = f"{search.config}-{'ltl-' + '-'.join(search.claims) if live else 'noltl'}"
        here = self._once(spin_key, lambda: spinrun.spin_generate(
            os.path.join(self.workdir, name), self._text(search), self._defines(search), self.model_path))
        exe = self._once((here, search.search), lambda: spinrun._compile(
            here, search.search, [*spinrun.SEARCHES[search.search][1], *self.cflags], self.lib))
        return exe, here

    # ------------------------------------------------------------ reuse
    def key(self, search):
        """Everything a search's result depends on, hashed."""
        command, patch = spinrun.pan_cc(search.search)
        digest = hashlib.sha256()
        for part in (self.spin_version, " ".join(self._defines(search)), " ".join(command), str(patch),
                     " ".join([*spinrun.SEARCHES[search.search][1], *self.cflags]),
                     os.path.basename(self.lib or "no-lockstep"),
                     " ".join(spinrun.SEARCHES[search.search][2]), search.claim, " ".join(search.extra),
                     str(self.hash_bits), str(self.depth), self._text(search)):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()[:24]

    def _reused(self, search, key):
        if self.fresh:
            return None
        try:
            with open(os.path.join(RESULTS, key + ".json"), encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return None
        for field in ("cells", "lockstep"):
            data[field] = {tuple(int(n) for n in k.split(",")): v for k, v in data[field].items()}
        data["defines"] = tuple(data["defines"])
        # the same world may have another name in another suite (loss+mdev is mdev)
        data["config"] = search.config
        run = spinrun.Run(**data)
        return run if run.passed or search.claim in self.limits else None

    def _keep(self, run, key):
        data = dataclasses.asdict(run)
        for field in ("cells", "lockstep"):
            data[field] = {f"{s},{e}": n for (s, e), n in data[field].items()}
        data["reused"] = time.strftime("%Y-%m-%d %H:%M")
        os.makedirs(RESULTS, exist_ok=True)
        tmp = os.path.join(RESULTS, f"{key}.{os.getpid()}.{threading.get_ident()}")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, os.path.join(RESULTS, key + ".json"))

    # ----------------------------------------------------------- running
    def _one(self, search):
        key = self.key(search)
        run = self._reused(search, key)
        if run is None:
            binary = self._binary(search)
            run = spinrun.run_search(search.config, search.search, binary, self._config_defines(search),
                                     search.claim, hash_bits=self.hash_bits, extra=search.extra,
                                     depth=self.depth)
            if run.passed or (search.claim in self.limits and run.problem and not run.mismatches):
                self._keep(run, key)  # a pass, or a known limit refuted as it must be
        with self.lock:
            if not run.reused:
                self.last_times[search.label] = run.seconds
            self.on_done(run)
        return run

    def submit(self, search):
        return self.pool.submit(self._one, search)

    def estimate(self, search):
        """Seconds the search took last time, if known."""
        return self.last_times.get(search.label)

    def close(self):
        """Keep the times of this run's searches for the next estimate."""
        try:
            os.makedirs(RESULTS, exist_ok=True)
            with open(TIMES, "w", encoding="utf-8") as handle:
                json.dump(self.last_times, handle, indent=1, sort_keys=True)
        except OSError:
            pass
