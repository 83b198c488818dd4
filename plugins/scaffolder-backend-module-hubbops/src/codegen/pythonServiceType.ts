import { z } from 'zod/v3';
import { SERVICE_USER } from './nodeServiceType';
import { GeneratedFile, ServiceTypeHandler } from './ServiceTypeHandler';

const optionsSchema = z.object({}).strict().default({});

/** Python identifier for the FastAPI title and module docstrings. */
function pythonString(value: string): string {
  return JSON.stringify(value);
}

/**
 * `python`: a FastAPI app served by uvicorn, tested with pytest through
 * FastAPI's TestClient. The Containerfile installs requirements.txt (RUN), so
 * it builds with buildah or docker.
 */
export const pythonServiceType: ServiceTypeHandler<
  z.output<typeof optionsSchema>
> = {
  type: 'python',
  description: 'Python FastAPI service',
  defaultBaseImage: 'docker.io/library/python:3.12-slim',
  inputSchema: optionsSchema,
  async generate(ctx): Promise<GeneratedFile[]> {
    // A plain string literal: descriptions may hold quotes and backslashes.
    const main = `${pythonString(
      `${ctx.name}: ${ctx.description ?? 'an HTTP service'}`,
    )}

from fastapi import FastAPI

app = FastAPI(title=${pythonString(ctx.name)})


@app.get(${pythonString(ctx.healthPath)})
def health() -> dict:
    return {"status": "ok"}


@app.get("/")
def root() -> dict:
    return {"service": ${pythonString(ctx.name)}}
`;
    const test = `from fastapi.testclient import TestClient

from app.main import app

client = TestClient(app)


def test_answers_the_health_check():
    response = client.get(${pythonString(ctx.healthPath)})
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_answers_404_for_unknown_paths():
    assert client.get("/no-such-path").status_code == 404
`;
    // pythonpath makes \`app\` importable from the tests without installing it.
    const pyproject = `[project]
name = ${pythonString(ctx.name)}
version = "0.1.0"
requires-python = ">=3.11"

[tool.pytest.ini_options]
pythonpath = ["."]
testpaths = ["tests"]
`;
    const requirements = `fastapi>=0.100,<1
uvicorn>=0.23,<1
`;
    const requirementsDev = `-r requirements.txt
pytest>=7
httpx>=0.24
`;
    const [uid, gid] = SERVICE_USER.split(':');
    const containerfile = `FROM ${ctx.baseImage}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORT=${ctx.port}
WORKDIR /app
COPY requirements.txt /app/requirements.txt
RUN pip install --no-cache-dir -r requirements.txt
COPY app /app/app
USER ${uid}:${gid}
EXPOSE ${ctx.port}
CMD ["sh", "-c", "exec uvicorn app.main:app --host 0.0.0.0 --port \${PORT}"]
`;
    const containerignore = `.git
.venv
__pycache__
tests
`;
    return [
      { path: 'app/__init__.py', content: '' },
      { path: 'app/main.py', content: main },
      { path: 'tests/__init__.py', content: '' },
      { path: 'tests/test_main.py', content: test },
      { path: 'pyproject.toml', content: pyproject },
      { path: 'requirements.txt', content: requirements },
      { path: 'requirements-dev.txt', content: requirementsDev },
      { path: 'Containerfile', content: containerfile },
      { path: '.containerignore', content: containerignore },
    ];
  },
};
