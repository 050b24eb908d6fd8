# rinec-report in a container, for Nextflow, Snakemake or a plain `docker run`.
#   docker build -t rinec-report .
#   docker run --rm -v "$PWD/run:/data:ro" -v "$PWD/out:/out" rinec-report /data -o /out
FROM python:3.12-slim-bookworm

# Chromium is the one system package: --pdf prints the page with it (rinec_report/pdf.py).
# Not pinned: Debian ships Chromium's security fixes as new versions of the same package.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY rinec_report ./rinec_report
COPY plugins ./plugins
COPY templates ./templates
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 1000 rinec

USER 1000
WORKDIR /work
ENV RINEC_CHROMIUM=/usr/bin/chromium
ENTRYPOINT ["rinec-report"]
CMD ["--help"]
