"""The Spark session every Spark step shares: rules (`SparkAdapter`), linkage, benchmarks.

    from fangfan.engine.spark import spark_session
    session = spark_session()            # local[N] on this machine, or the configured master

`spark_session()` starts Spark once per process and returns the same session after that
(`stop_spark_session()` ends it). pyspark is imported only here and only when a Spark
step asks for it: the default engine needs neither pyspark nor Java.

Settings come from the environment (`spark_settings()`; docs/scale.md has the table):

- FANGFAN_SPARK_MASTER: `local[N]`, or a cluster's master URL (`spark://host:7077`,
  `yarn`, `k8s://…`); default `local[<cores>]`.
- FANGFAN_SPARK_DRIVER_MEMORY: the driver's heap (`4g`; in local mode the executors
  live in it); default 2g.
- FANGFAN_SPARK_PARTITIONS: `spark.sql.shuffle.partitions`; default 2 × cores in local
  mode, Spark's own on a cluster.
- FANGFAN_SPARK_STAGING: a folder driver and executors both see (a shared path or
  `hdfs://…`) where the wide tables are written for Spark to read; default
  `FANGFAN_HOME/spark/staging`.
- FANGFAN_SPARK_CONF: further settings, `spark.key=value` separated by `;`.

Nothing is downloaded at run time: no `--packages`, no Ivy; Spark's temporary files,
checkpoints and warehouse are kept under `FANGFAN_HOME/spark/`. In local mode Spark
listens on 127.0.0.1 only and its web UI is off. Logging is quiet (errors only).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fangfan.engine import config

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

JAVA_PACKAGE = "openjdk-17-jre-headless"
DEFAULT_DRIVER_MEMORY = "2g"
_LOCK = threading.Lock()
_SESSION: list[Any] = []  # the one session of this process, once started
_LOG4J = """\
# WARN at the root, as Spark sets it for pyspark (were it another level, Spark would print
# "Setting default log level" at every start); the session then lowers it to ERROR.
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
# Warnings of the start itself (no native Hadoop library: Java's own code is used).
logger.hadoop.name = org.apache.hadoop
logger.hadoop.level = error
"""


class SparkUnavailable(RuntimeError):
    """pyspark or Java is missing, or Spark did not start; the message says what to install."""


@dataclass(frozen=True)
class SparkSettings:
    """Where Spark runs and with what; `spark_settings()` reads them from the environment."""

    master: str
    driver_memory: str = DEFAULT_DRIVER_MEMORY
    partitions: int | None = None
    staging: str = ""
    folder: Path = field(default_factory=lambda: config.home() / "spark")
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        return self.master.startswith("local")

    def conf(self) -> dict[str, str]:
        """Every Spark setting the session is built with."""
        log4j = self.folder / "log4j2.properties"
        java_options = f"-Djava.io.tmpdir={self.folder / 'tmp'} -Dlog4j2.configurationFile={log4j}"
        settings = {
            "spark.app.name": "fangfan",
            "spark.master": self.master,
            "spark.driver.memory": self.driver_memory,
            "spark.driver.extraJavaOptions": java_options,
            "spark.executor.extraJavaOptions": f"-Djava.io.tmpdir={self.folder / 'tmp'}",
            "spark.sql.warehouse.dir": str(self.folder / "warehouse"),
            "spark.sql.session.timeZone": "UTC",
            # SQL's semantics as DuckDB has them: x / 0 is NULL, not an error.
            "spark.sql.ansi.enabled": "false",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.execution.arrow.pyspark.enabled": "true",
            "spark.jars.ivy": str(self.folder / "ivy"),  # never used: nothing is downloaded
        }
        if self.is_local:
            settings |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
        if self.partitions:
            settings["spark.sql.shuffle.partitions"] = str(self.partitions)
        jar = splink_jar()
        if jar:
            settings["spark.jars"] = jar
        return settings | self.extra


def local_cores(master: str) -> int | None:
    """N of `local[N]` (the machine's cores for `local[*]` or `local`); None for a cluster."""
    if master == "local" or master == "local[*]":
        return os.cpu_count() or 1
    if master.startswith("local[") and master.endswith("]"):
        inner = master[len("local[") : -1].split(",")[0]
        if inner == "*":
            return os.cpu_count() or 1
        try:
            return int(inner)
        except ValueError:
            raise config.ConfigError(
                f"环境变量 FANGFAN_SPARK_MASTER 的值 {master!r} 不是有效的 local[N]"
            ) from None
    return None


def spark_settings(master: str | None = None, driver_memory: str | None = None) -> SparkSettings:
    """The settings from the environment; `master` and `driver_memory` override it."""
    chosen = master or config.env_str("FANGFAN_SPARK_MASTER", "") or f"local[{os.cpu_count() or 1}]"
    cores = local_cores(chosen)
    partitions = config.env_int("FANGFAN_SPARK_PARTITIONS", 2 * cores if cores else 0) or None
    folder = config.home() / "spark"
    extra: dict[str, str] = {}
    for item in config.env_str("FANGFAN_SPARK_CONF", "").split(";"):
        if not item.strip():
            continue
        key, equals, value = item.partition("=")
        if not equals or not key.strip().startswith("spark."):
            raise config.ConfigError(
                f"环境变量 FANGFAN_SPARK_CONF 中的 {item.strip()!r} 应写成 spark.设置名=取值，多项以分号分隔"
            )
        if key.strip() in ("spark.jars.packages", "spark.jars.repositories"):
            raise config.ConfigError(f"FANGFAN_SPARK_CONF 不能设置 {key.strip()}：运行时不下载任何软件包")
        extra[key.strip()] = value.strip()
    return SparkSettings(
        master=chosen,
        driver_memory=driver_memory or config.env_str("FANGFAN_SPARK_DRIVER_MEMORY", DEFAULT_DRIVER_MEMORY),
        partitions=partitions,
        staging=config.env_str("FANGFAN_SPARK_STAGING", "") or str(folder / "staging"),
        folder=folder,
        extra=extra,
    )


def splink_jar() -> str | None:
    """Splink's string-similarity functions for Spark (jaro_winkler and others), a jar shipped
    inside the splink wheel: on the classpath, Splink's Spark backend registers them."""
    try:
        from splink.backends.spark import similarity_jar_location
    except ImportError:
        return None
    path = similarity_jar_location()
    return path if Path(path).exists() else None


def java_problem() -> str | None:
    """Why Spark cannot start on this machine (no Java 17 or newer, no pyspark), or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "未安装 pyspark：请安装 Spark 引擎（pip install 'fangfan[spark]'）"
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        return f"未找到 Java：Spark 引擎需要 Java 17（Debian/Ubuntu：apt-get install {JAVA_PACKAGE}）"
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.SubprocessError) as error:
        return f"无法运行 Java（{java}）：{error}"
    version = shown.split('"')[1] if shown.count('"') >= 2 else ""
    major = version.split(".")[0]
    if not major.isdigit() or int(major) < 17:
        shown_version = version or "未知"
        return f"Java 版本为 {shown_version}，Spark 引擎需要 Java 17 或更新（apt-get install {JAVA_PACKAGE}）"
    return None


def require_spark() -> None:
    """Raise `SparkUnavailable` now, before any work, when Spark cannot start here."""
    problem = java_problem()
    if problem:
        raise SparkUnavailable(problem)


def spark_session(settings: SparkSettings | None = None) -> SparkSession:
    """The process's Spark session, started with `settings` (default `spark_settings()`)
    the first time; later calls return the same session whatever they pass.

    Raises `SparkUnavailable` (a Chinese message saying what to install) when pyspark or
    Java 17 is missing or Spark does not start.
    """
    with _LOCK:
        if _SESSION and not _stopped(_SESSION[0]):
            session: SparkSession = _SESSION[0]
            return session
        _SESSION.clear()
        settings = settings or spark_settings()
        problem = java_problem()
        if problem:
            raise SparkUnavailable(problem)
        from pyspark.sql import SparkSession

        for name in ("tmp", "warehouse", "checkpoints"):
            (settings.folder / name).mkdir(parents=True, exist_ok=True)
        (settings.folder / "log4j2.properties").write_text(_LOG4J, "utf-8")
        if settings.is_local:
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            # Spark's scratch space (shuffle, spills); on a cluster its manager sets it.
            os.environ.setdefault("SPARK_LOCAL_DIRS", str(settings.folder / "tmp"))
        os.environ.pop("PYSPARK_SUBMIT_ARGS", None)  # never --packages or other downloads
        builder = SparkSession.builder
        for key, value in settings.conf().items():
            builder = builder.config(key, value)
        try:
            with warnings.catch_warnings():
                # pyspark checks pandas' version as it starts, and warns about pandas 3.
                warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")
                session = builder.getOrCreate()
        except Exception as error:  # the JVM's own error, e.g. a master that cannot be reached
            raise SparkUnavailable(
                f"Spark 未能启动（{settings.master}）：{str(error).splitlines()[0]}"
            ) from None
        session.sparkContext.setLogLevel("ERROR")
        session.sparkContext.setCheckpointDir(str(settings.folder / "checkpoints"))
        _SESSION.append(session)
        return session


def stop_spark_session() -> None:
    """Stop the process's Spark session if one was started (the next call starts another)."""
    with _LOCK:
        if _SESSION:
            _SESSION.pop().stop()


def _stopped(session: Any) -> bool:
    context = session.sparkContext
    return context._jsc is None  # what pyspark itself checks
