"""Flask extensions, created unbound and initialised in the app factory."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
# storage comes from RATELIMIT_STORAGE_URI, on/off from RATELIMIT_ENABLED (both read by init_app)
limiter = Limiter(get_remote_address)
babel = Babel()
