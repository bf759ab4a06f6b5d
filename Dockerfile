# korocr's HTTP service (korocr serve: POST /v1/read, the web page at /, /docs, /healthz) in a container.
# Inference only: onnxruntime on the CPU, no torch. The bundled models are inside the package.
#
#   docker build -t korocr .
#   docker run --rm -p 8000:8000 korocr                      # then open http://127.0.0.1:8000/
#   docker run --rm -p 8000:8000 korocr --workers 4 --queue 16 --max-upload-mb 50
#   docker run --rm -v "$PWD:/data" --entrypoint korocr korocr read /data/page.png
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 OMP_WAIT_POLICY=PASSIVE
WORKDIR /opt/korocr
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install ".[serve,pdf]" && useradd --create-home --uid 1000 korocr
USER korocr
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
ENTRYPOINT ["korocr", "serve", "--host", "0.0.0.0", "--port", "8000"]
