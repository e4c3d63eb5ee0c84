mod bundle;
mod tampering;
mod vectors;
