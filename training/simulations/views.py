"""Pages of training.simulations: the scenario library, the player, debriefs, mentor grading."""

from flask import Blueprint

bp = Blueprint("simulations", __name__, url_prefix="/simulations")
